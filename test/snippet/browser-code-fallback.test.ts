import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/core/config/index.js';
import { createSnippet } from '../../src/snippet/render.js';
import { recordingLogger } from '../helpers/logger.js';

// Sources run without the toolchain: esbuild cannot be loaded.
vi.mock('node:module', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:module')>();
  return {
    ...actual,
    createRequire(from: string | URL) {
      const require = actual.createRequire(from);
      return Object.assign((id: string) => {
        if (id === 'esbuild') throw new Error("Cannot find module 'esbuild'");
        return require(id);
      }, require);
    },
  };
});

/** Runs a boot script in a bare window and returns its `before_send`. */
function beforeSend(bootCode: string): (event: Record<string, unknown>) => any {
  const window: Record<string, any> = { location: { hostname: 'app.example' } };
  const document = {
    currentScript: { getAttribute: () => '{"state":"anonymous"}', src: 'https://app.example/b.js' },
    createElement: () => ({}),
    getElementsByTagName: () => [{ parentNode: { insertBefore() {} } }],
  };
  runInNewContext(bootCode, { window, document, URL, JSON, console });
  return window.posthog._i[0][1].before_send;
}

describe('the boot script when esbuild cannot be loaded (sources without the toolchain)', () => {
  it('carries the unminified redaction, still redacts, and says so once', () => {
    const logger = recordingLogger();
    const config = loadConfig({}, { apiKey: 'phc_x', logger, consent: 'ask' });
    const first = createSnippet(config, { src: '/x.js' }).bootCode ?? '';
    const second = createSnippet(config, { src: '/x.js' }).bootCode ?? '';
    expect(second).toBe(first);
    expect(first).toContain('function createEventGate');
    expect(first).not.toMatch(/__name\(/);
    const event = beforeSend(first)({
      event: '$pageview',
      properties: { $current_url: 'https://app.example/reset?token=t0ps3cret&page=2' },
    });
    expect(event.properties.$current_url).toBe('https://app.example/reset?token=[redacted]&page=2');
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/esbuild could not be loaded/);
    expect(warnings[0]).toMatch(/unminified/);
  });
});
