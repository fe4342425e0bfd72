/**
 * The package's one description of a thrown value, for warnings, stderr and event messages
 * (docs/observability.md, "Command-line programs"). Reading a thrown value may fight back:
 * getters that throw, Proxies whose traps throw, revoked Proxies. Nothing here throws.
 */
import { inspect, types } from 'node:util';

/** Reads `value[key]`; `undefined` when the value has no properties or the read throws. */
export function safeField(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return undefined;
  }
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** True for a native error or an `Error` instance; false (not a throw) for a value that cannot be asked. */
export function isError(value: unknown): value is Error {
  try {
    return types.isNativeError(value) || value instanceof Error;
  } catch {
    return false;
  }
}

/** The longest description given: a huge object is cut, not written whole into a log line. */
const MAX_DESCRIPTION_CHARS = 2_000;

/**
 * One line naming what was thrown: `Name: message` for an error (with the message of an
 * `error` it wraps, as the SDK's fetch errors do), a string as it is, any other value as
 * `util.inspect` shows it on one line (at most 2,000 characters). Never throws: a Proxy (its
 * traps are never run) and an error whose getters throw give `an unreadable object`.
 *
 * @example
 * describeError(new TypeError('x is not a function')); // 'TypeError: x is not a function'
 * describeError('boom'); // 'boom'
 * describeError({ code: 'E1' }); // "{ code: 'E1' }"
 */
export function describeError(error: unknown): string {
  if (typeof error === 'string') return error;
  const unreadable = `an unreadable ${typeof error}`;
  try {
    // Describing a Proxy would run its traps, which may throw, loop or have effects.
    if (types.isProxy(error)) return unreadable;
    if (isError(error)) {
      const cause = (error as { error?: unknown }).error;
      const detail = cause instanceof Error ? `: ${String(cause.message)}` : '';
      return `${String(error.name)}: ${String(error.message)}${detail}`;
    }
    return inspect(error, { depth: 2, breakLength: Number.POSITIVE_INFINITY }).slice(
      0,
      MAX_DESCRIPTION_CHARS,
    );
  } catch {
    return unreadable;
  }
}
