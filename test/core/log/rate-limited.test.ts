import { describe, expect, it } from 'vitest';
import { rateLimitedWarn } from '../../../src/core/log/rate-limited.js';
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
