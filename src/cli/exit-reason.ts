/**
 * How `runCli` ends after `main` throws: which errors are crashes worth an
 * event, and the exit code of each. Pure: reads plain properties only, and a
 * read that throws counts as absent, so it never throws.
 */
import { types } from 'node:util';
import { safeField as field } from '../core/errors/describe-error.js';

/** What a thrown value means for the process. */
export interface ExitReason {
  /** `crash`: captured, exit 1. `clean`: help, version or a deliberate exit. `usage`: a command-line mistake. `abort`: cancelled. */
  readonly kind: 'crash' | 'clean' | 'usage' | 'abort';
  /** The process exit code. */
  readonly exitCode: number;
  /** True when the error should be captured as `$exception`. */
  readonly capture: boolean;
}

/** Commander's codes for help and version, which it signals by throwing under `exitOverride()`. */
const COMMANDER_CLEAN = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** Exit code of an interrupted command (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Classifies what `main` threw:
 *
 * - an error with `exitCode: 0`, or a Commander error coded
 *   `commander.helpDisplayed` / `commander.help` / `commander.version` →
 *   `clean`, exit 0 (or its `exitCode`), not captured;
 * - any other `commander.*` error (unknown option, missing argument) →
 *   `usage`, exit with its `exitCode` (default 1), not captured: the user
 *   mistyped, the program did not crash;
 * - an `AbortError` (name or code `ABORT_ERR`) → `abort`, exit 130, not captured;
 * - anything else → `crash`, exit 1, captured — a value whose properties
 *   throw when read (a getter, a Proxy) included, and any Proxy.
 *
 * @example
 * classifyExit(Object.assign(new Error('(outputHelp)'), { code: 'commander.helpDisplayed', exitCode: 0 }));
 * // { kind: 'clean', exitCode: 0, capture: false }
 */
export function classifyExit(error: unknown): ExitReason {
  // A Proxy answers whatever it likes (`exitCode: 0` to every read): never help or usage.
  if (types.isProxy(error)) return { kind: 'crash', exitCode: 1, capture: true };
  const code = field(error, 'code');
  const exitCode = field(error, 'exitCode');
  const declared =
    typeof exitCode === 'number' && Number.isInteger(exitCode) ? exitCode : undefined;
  if (typeof code === 'string' && COMMANDER_CLEAN.has(code)) {
    return { kind: 'clean', exitCode: declared ?? 0, capture: false };
  }
  if (declared === 0) return { kind: 'clean', exitCode: 0, capture: false };
  if (typeof code === 'string' && code.startsWith('commander.')) {
    return { kind: 'usage', exitCode: declared ?? 1, capture: false };
  }
  if (field(error, 'name') === 'AbortError' || code === 'ABORT_ERR') {
    return { kind: 'abort', exitCode: INTERRUPTED_EXIT_CODE, capture: false };
  }
  return { kind: 'crash', exitCode: 1, capture: true };
}
