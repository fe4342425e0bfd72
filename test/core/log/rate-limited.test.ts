import { describe, expect, it } from 'vitest';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { MAX_ONCE_KEYS, rateLimitedWarn, warnerFor } from '../../../src/core/log/rate-limited.js';
import { captureJobFailure } from '../../../src/jobs/index.js';
import { recordingLogger } from '../../helpers/logger.js';

describe('rateLimitedWarn', () => {
  it('lets maxPerWindow warnings through, then says how many it suppressed', () => {
    let now = 0;
    const logger = recordingLogger();
    const warn = rateLimitedWarn(logger, { windowMs: 1_000, maxPerWindow: 2, now: () => now });
    for (let i = 0; i < 10; i += 1) warn(`w${i}`);
    expect(logger.warnings()).toEqual(['w0', 'w1']);
    now = 1_000;
    warn('next');
    expect(logger.warnings()).toEqual([
      'w0',
      'w1',
      '8 similar warning(s) suppressed in the last 1000 ms',
      'next',
    ]);
  });
});

describe('the warner', () => {
  it('says a keyed warning once, whatever the window, and remembers at most 64 keys', () => {
    let now = 0;
    const logger = recordingLogger();
    const warn = rateLimitedWarn(logger, { windowMs: 1_000, maxPerWindow: 1, now: () => now });
    warn.once('deprecated', 'old form');
    warn.once('deprecated', 'old form');
    now = 5_000;
    warn.once('deprecated', 'old form');
    expect(logger.warnings()).toEqual(['old form']);
    for (let i = 0; i < 100; i += 1) warn.once(`key-${i}`, `line ${i}`);
    expect(logger.warnings()).toHaveLength(MAX_ONCE_KEYS);
  });

  // Jobs kept a Set per client, the LLM recorder and the error handler a warner per logger,
  // each its own: one warner per logger now, so a deprecation is said once per logger.
  it('is one per logger: a second client on the same logger is not warned twice', async () => {
    const logger = recordingLogger();
    const config = loadConfig({}, { logger });
    const first = new PosthogClient({ config });
    const second = new PosthogClient({ config });
    captureJobFailure(new Error('x'), { job: 'a' }, first);
    captureJobFailure(new Error('x'), { job: 'a' }, second);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toContain('captureJobFailure(error, properties, client)');
    expect(warnerFor(logger)).toBe(warnerFor(logger));
  });
});
