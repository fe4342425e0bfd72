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

/** The package's one way to warn without flooding: every "warn at most N" and "warn once" goes through it. */
export interface Warner {
  /** Warns, at most `maxPerWindow` lines a window, then one line saying how many were suppressed. */
  (message: string): void;
  /**
   * Warns the first time `key` is given to this warner, never again (a deprecation, a policy
   * that blocks the snippet). At most {@link MAX_ONCE_KEYS} keys are remembered; past them a
   * new key is not warned about, so an endless stream of distinct keys costs nothing.
   */
  once(key: string, message: string): void;
}

/** How many distinct keys a {@link Warner}'s `once` remembers. */
export const MAX_ONCE_KEYS = 64;

/**
 * Wraps `logger.warn` so a flood (PostHog unreachable, every request failing)
 * costs at most `maxPerWindow` lines a window, plus one line saying how many
 * were suppressed; `once(key, message)` says a thing once.
 *
 * @example
 * const warn = rateLimitedWarn(console);
 * warn('posthogProxy: /e/ failed: ECONNREFUSED');
 * warn.once('deprecated-form', 'withJobCapture(job, fn, properties, client) is deprecated');
 */
export function rateLimitedWarn(
  logger: Logger,
  { windowMs = 60_000, maxPerWindow = 5, now = Date.now }: RateLimitOptions = {},
): Warner {
  let windowStart = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let suppressed = 0;
  const said = new Set<string>();
  function warnRateLimited(message: string): void {
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
  }
  function warnOnce(key: string, message: string): void {
    if (said.has(key) || said.size >= MAX_ONCE_KEYS) return;
    said.add(key);
    logger.warn(message);
  }
  return Object.assign(warnRateLimited, { once: warnOnce });
}

const warners = new WeakMap<Logger, Warner>();

/**
 * The warner of a logger, shared by every caller that warns to it: one window and one set
 * of "once" keys per logger, however many middlewares, generations or jobs use it.
 *
 * @example
 * warnerFor(getPosthog().config.logger)('posthogUser: getUser failed');
 */
export function warnerFor(logger: Logger): Warner {
  let warn = warners.get(logger);
  if (!warn) {
    warn = rateLimitedWarn(logger);
    warners.set(logger, warn);
  }
  return warn;
}
