import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import { type Minifier, minifyBrowserCode } from './src/snippet/browser-code.js';

const esbuild = createRequire(import.meta.url)('esbuild') as Minifier;

/**
 * The redaction's browser code, minified once here with the esbuild tsup itself runs on, and
 * written into dist/ as a constant, so the package needs no esbuild at run time
 * (docs/snippet-internals.md, "The browser's copy of the redaction").
 */
const define = {
  __EXPRESS_POSTHOG_BROWSER_CODE__: JSON.stringify(minifyBrowserCode(esbuild)),
};

export default defineConfig([
  {
    // The library: ESM and CommonJS with declarations, one entry per export path.
    // `llm`, `jobs` and `cli` load neither Express nor Nunjucks nor the middlewares.
    entry: {
      index: 'src/index.ts',
      app: 'src/apps/reference/index.ts',
      inspector: 'src/apps/inspector/index.ts',
      llm: 'src/entries/llm.ts',
      jobs: 'src/entries/jobs.ts',
      cli: 'src/entries/cli.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: false,
    shims: true,
    define,
  },
  {
    // The operator command `express-posthog check`: ESM only, it finds its version with import.meta.url.
    entry: { 'bin/express-posthog': 'src/bin/express-posthog.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    define,
  },
]);
