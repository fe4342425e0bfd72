/**
 * Redaction of command-line arguments before they ride on a `$exception`:
 * the rules live in the package's one redaction module, `identity/redact.ts`,
 * shared with URLs. Kept as an import path for existing callers.
 */
import { isSecretName } from '../core/redact/redact.js';

export { MAX_ARGV_CHARS, REDACTED, redactArgv } from '../core/redact/redact.js';

/**
 * True when a flag or variable name announces a secret: {@link isSecretName}
 * (the URL rule too) with the leading dashes ignored.
 *
 * @example
 * isSecretFlag('--api-key'); // true
 * isSecretFlag('--keyboard'); // false
 */
export function isSecretFlag(name: string): boolean {
  return isSecretName(name);
}
