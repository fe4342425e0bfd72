/** Marks a result that did not arrive in time. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Resolves with the promise's value, or with {@link TIMED_OUT} after `ms`.
 * The timer never keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
