/**
 * Redaction of command-line arguments before they ride on a `$exception`
 * (SPEC §10). Pure: strings in, a string out.
 */

import { REDACTED } from '../identity/redact.js';

export { REDACTED };

/** The most characters of `argv` sent on an event. */
export const MAX_ARGV_CHARS = 512;

/**
 * A name that announces a secret: `token`, `secret`, `password`/`passwd`/`pwd`,
 * `auth…` (`auth`, `authorization`, `auth-token`), `credential(s)`, `cookie`,
 * `session`, and any `key` (`key`, `api-key`, `apikey`, `private_key`).
 */
const SECRET_NAME =
  /(?:^|[-_.])(?:auth\w*|token|secret|password|passwd|pwd|credentials?|cookie|session|(?:api|access|private|secret)?[-_]?key)$|(?:token|secret|password|apikey)/i;

/** Values that look like keys whatever their flag: PostHog `phc_`/`phs_`/`phx_`, `sk-…`, common vendor tokens. */
const KEY_VALUE =
  /\b(?:ph[csx]_|sk-|sk_(?:live|test)_|rk_(?:live|test)_|ghp_|gho_|github_pat_|xox[abprs]-|AKIA)[A-Za-z0-9_-]{4,}/g;

/** `name=value` pairs inside an argument (`--token=x`, `API_KEY=x`, `?key=x&a=b`). */
const PAIR = /([A-Za-z0-9_.-]+)=([^&\s]*)/g;

/** `https://user:pass@host` → the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)(@)/gi;

/**
 * True when a flag or variable name announces a secret. Narrower than the URL rule
 * (`isSecretName` in `identity/redact.ts`): a flag such as `--keyboard` or `--code-dir`
 * is a common, harmless argument.
 *
 * @example
 * isSecretFlag('--api-key'); // true
 * isSecretFlag('--keyboard'); // false
 */
export function isSecretFlag(name: string): boolean {
  return SECRET_NAME.test(name.replace(/^-+/, ''));
}

/** `--name=value` as one argument: the whole value goes when the name is secret (`--auth=Bearer x`). */
const FLAG_WITH_VALUE = /^(--?[A-Za-z][\w.-]*)=/s;

function redactInside(arg: string): string {
  const flag = FLAG_WITH_VALUE.exec(arg)?.[1];
  if (flag !== undefined && isSecretFlag(flag) && arg.length > flag.length + 1) {
    return `${flag}=${REDACTED}`;
  }
  return arg
    .replace(URL_PASSWORD, `$1${REDACTED}$3`)
    .replace(PAIR, (whole, name: string, value: string) =>
      isSecretFlag(name) && value !== '' ? `${name}=${REDACTED}` : whole,
    )
    .replace(KEY_VALUE, REDACTED);
}

/**
 * Joins command-line arguments for the `argv` property: secret-looking values
 * replaced by `[REDACTED]`, at most `max` characters (a longer line is cut and
 * ends with `…`).
 *
 * Redacted: the value after a secret-named flag (`--token x`, `--api-key x`,
 * `--password x`, `--secret x`, `--auth… x`), the value of any secret-named
 * `name=value` (`--token=x`, `API_KEY=x`, `?key=x`), URL passwords
 * (`https://u:p@h`), and key-looking values anywhere (`phc_…`, `phs_…`,
 * `phx_…`, `sk-…` and other vendor prefixes).
 *
 * @param argv - the arguments, usually `process.argv.slice(2)`.
 * @param max - the most characters. @default 512
 * @example
 * redactArgv(['deploy', '--token', 'abc', '--region=eu', 'KEY=phc_123456']);
 * // 'deploy --token [REDACTED] --region=eu KEY=[REDACTED]'
 */
export function redactArgv(argv: readonly string[], max: number = MAX_ARGV_CHARS): string {
  const out: string[] = [];
  let redactNext = false;
  for (const arg of argv) {
    if (redactNext && !arg.startsWith('-')) {
      out.push(REDACTED);
      redactNext = false;
      continue;
    }
    // `--token x`: the next argument is the secret. `--no-auth` takes no value.
    redactNext = /^--?[A-Za-z][\w.-]*$/.test(arg) && !arg.startsWith('--no-') && isSecretFlag(arg);
    out.push(redactInside(arg));
  }
  const line = out.join(' ');
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}
