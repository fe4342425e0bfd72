import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ConsentMode } from '../../src/core/config/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import {
  BROWSER_TARGET,
  type Minifier,
  minifyBrowserCode,
} from '../../src/snippet/browser-code.js';
import { createSnippet } from '../../src/snippet/render.js';
import { silentLogger } from '../helpers/logger.js';

/** The budget: 5 KB gzip, the redaction gate included (docs/performance.md). */
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

  it('carries the redaction as the minified code the build writes into dist, and it parses', () => {
    const bootCode = bootCodeOf('ask', true);
    const minified = minifyBrowserCode(esbuild);
    expect(bootCode).toContain(minified.urlRedaction);
    expect(bootCode).toContain(minified.eventGate);
    // Minified: no comment, no indentation of the source, no helper of the build left in it.
    expect(minified.eventGate).not.toMatch(/\/\*\*|\n\s+|__name\(/);
    expect(bootCode).not.toMatch(/__name\(/);
    expect(() => new Function(bootCode)).not.toThrow();
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
