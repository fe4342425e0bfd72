import type { Logger } from './index.js';

/** Options of {@link rateLimitedWarn}. */
export interface RateLimitOptions {
  /** Length of one window in milliseconds. @default 60000 */
  readonly windowMs?: number;
  /** Warnings let through per window; the rest are counted and summarised. @default 5 */
  readonly maxPerWindow?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * Wraps `logger.warn` so a flood (PostHog unreachable, every request failing)
 * costs at most `maxPerWindow` lines a window, plus one line saying how many
 * were suppressed.
 */
export function rateLimitedWarn(
  logger: Logger,
  { windowMs = 60_000, maxPerWindow = 5, now = Date.now }: RateLimitOptions = {},
): (message: string) => void {
  let windowStart = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let suppressed = 0;
  return function warnRateLimited(message: string): void {
    const t = now();
    if (t - windowStart >= windowMs) {
      if (suppressed > 0) {
        logger.warn(`${suppressed} similar warning(s) suppressed in the last ${windowMs} ms`);
      }
      windowStart = t;
      sent = 0;
      suppressed = 0;
    }
    if (sent < maxPerWindow) {
      sent += 1;
      logger.warn(message);
    } else {
      suppressed += 1;
    }
  };
}
