import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/index.js';
import { createSnippet } from '../../src/snippet/render.js';
import { silentLogger } from '../helpers/logger.js';

describe('the boot script with the redaction gate', () => {
  const config = loadConfig({}, { apiKey: 'phc_x', logger: silentLogger });
  const { bootCode = '' } = createSnippet(config, { src: '/x.js' });

  it('stays within 5 KB gzip', () => {
    expect(gzipSync(bootCode, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
  });

  it('carries the gate as code that parses, with no helper of the build left in it', () => {
    expect(bootCode).toContain('function createEventGate');
    expect(bootCode).not.toMatch(/__name\(/);
    expect(() => new Function(bootCode)).not.toThrow();
  });
});
