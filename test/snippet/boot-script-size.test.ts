import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ConsentMode } from '../../src/core/config/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import {
  BOOT_SLOTS,
  BROWSER_TARGET,
  type Minifier,
  minifyBrowserCode,
} from '../../src/snippet/browser-code.js';
import { createSnippet } from '../../src/snippet/render.js';
import { silentLogger } from '../helpers/logger.js';

/** The budget: 5 KB gzip, the redaction gate included (docs/snippet-internals.md). */
const BUDGET = 5 * 1024;

interface Esbuild extends Minifier {
  transformSync(
    code: string,
    options: Record<string, unknown>,
  ): { code: string; warnings: { text: string }[] };
}
const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;

const MODES: readonly { consent: ConsentMode; replay: boolean }[] = (
  ['granted', 'ask', 'cookieless'] as const
).flatMap((consent) => [false, true].map((replay) => ({ consent, replay })));

function bootCodeOf(consent: ConsentMode, replay: boolean): string {
  const config = loadConfig({}, { apiKey: 'phc_x', logger: silentLogger, consent, replay });
  const { bootCode = '' } = createSnippet(config, { src: '/x.js' });
  return bootCode;
}

const gzipped = (code: string): number => gzipSync(code, { level: 9 }).length;

describe('the boot script with the redaction gate', () => {
  it.each(MODES)(
    'stays within 5 KB gzip with consent $consent, replay $replay',
    ({ consent, replay }) => {
      expect(gzipped(bootCodeOf(consent, replay))).toBeLessThanOrEqual(BUDGET);
    },
  );

  it('is minified, carries the redaction as the minified code the build writes into dist, and parses', () => {
    const bootCode = bootCodeOf('ask', true);
    const minified = minifyBrowserCode(esbuild);
    expect(bootCode).toContain(minified.urlRedaction);
    expect(bootCode).toContain(minified.eventGate);
    // Minified: no comment, no indentation of the source, no helper of the build left in it.
    expect(minified.eventGate).not.toMatch(/\/\*\*|\n\s+|__name\(/);
    expect(bootCode).not.toMatch(/__name\(/);
    // The template's own code is minified too: one line.
    expect(bootCode.trim().split('\n')).toHaveLength(1);
    expect(() => new Function(bootCode)).not.toThrow();
  });
});

describe('the minified boot script', () => {
  it('is filled in one pass: a setting that holds the name of a slot stays as the app wrote it', () => {
    const config = loadConfig({}, { apiKey: 'phc_x', logger: silentLogger });
    const { bootCode = '' } = createSnippet(config, {
      src: '/x.js',
      browser: { custom_tags: `${BOOT_SLOTS.tags} ${BOOT_SLOTS.gate}` },
    });
    const window: Record<string, any> = { location: { hostname: 'app.example' } };
    const document = {
      currentScript: {
        getAttribute: () => '{"state":"anonymous"}',
        src: 'https://app.example/b.js',
      },
      createElement: () => ({}),
      getElementsByTagName: () => [{ parentNode: { insertBefore() {} } }],
    };
    runInNewContext(bootCode, { window, document, URL, JSON, console });
    const options = window.posthog._i[0][1];
    expect(options.custom_tags).toBe(`${BOOT_SLOTS.tags} ${BOOT_SLOTS.gate}`);
    expect(typeof options.before_send).toBe('function');
    const event = options.before_send({
      event: 'x',
      properties: { $current_url: '/?token=abcdef' },
    });
    expect(event.properties.$current_url).toBe('/?token=[redacted]');
  });
});

describe('the boot script in older browsers (ES2018 as Safari 12 parses it)', () => {
  it.each(MODES)(
    'holds no newer syntax with consent $consent, replay $replay',
    ({ consent, replay }) => {
      const bootCode = bootCodeOf(consent, replay);
      // esbuild rewrites what Safari 12 lacks (`?.`, `??`, class fields; a regex literal with
      // lookbehind becomes `new RegExp`): lowered for it, the code must come out unchanged.
      const asIs = esbuild.transformSync(bootCode, { minifyWhitespace: true, target: 'esnext' });
      const lowered = esbuild.transformSync(bootCode, {
        minifyWhitespace: true,
        target: [...BROWSER_TARGET],
      });
      expect(lowered.code).toBe(asIs.code);
      expect(lowered.warnings).toEqual([]);
      // A regular expression built from a string is not seen by esbuild: no lookbehind and no
      // named group anywhere in the text (Safari 16.4 is the first to parse lookbehind).
      expect(bootCode).not.toMatch(/\(\?<[=!]/);
      expect(bootCode).not.toMatch(/\(\?<[A-Za-z_$]/);
      // Nor the string method Safari 12 lacks, which the URL rules used to call.
      expect(bootCode).not.toContain('matchAll');
    },
  );

  it('the check catches what it names: lookbehind, optional chaining, `??`, class fields', () => {
    for (const newer of [
      'var r = /(?<=a)b/;',
      'var v = o?.p;',
      'var v = o ?? 1;',
      'class C { f = 1 }',
    ]) {
      const asIs = esbuild.transformSync(newer, { minifyWhitespace: true, target: 'esnext' });
      const lowered = esbuild.transformSync(newer, {
        minifyWhitespace: true,
        target: [...BROWSER_TARGET],
      });
      expect(lowered.code, newer).not.toBe(asIs.code);
    }
  });
});
