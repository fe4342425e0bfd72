/**
 * One line naming what was thrown, for warnings: `Name: message` for an
 * error (with the message of an `error` it wraps, as the SDK's fetch errors
 * do), the text of anything else. Never throws, whatever was thrown: a getter
 * that throws, a Proxy, a revoked Proxy, an object whose `toString` throws
 * all give a placeholder instead.
 *
 * @example
 * describeError(new TypeError('x is not a function')); // 'TypeError: x is not a function'
 * describeError('boom'); // 'boom'
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) {
      const cause = (error as { error?: unknown }).error;
      const detail = cause instanceof Error ? `: ${String(cause.message)}` : '';
      return `${String(error.name)}: ${String(error.message)}${detail}`;
    }
    return String(error);
  } catch {
    return `an unreadable ${typeof error}`;
  }
}
