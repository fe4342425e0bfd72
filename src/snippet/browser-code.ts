/**
 * The server's redaction as browser code (docs/snippet-internals.md, "The browser's copy of the
 * redaction"): the source of the two self-contained functions `createUrlRedaction` and
 * `createEventGate`, minified by esbuild for the browsers the boot script supports. One
 * function, {@link minifyBrowserCode}, makes it: the build runs it once and writes the result
 * into `dist/` (`tsup.config.ts`, the `__EXPRESS_POSTHOG_BROWSER_CODE__` constant), and run
 * from the sources (tests, `npm start`) it runs at first use, with the esbuild the toolchain
 * brings. esbuild is never a run-time dependency of the package.
 */
import { createRequire } from 'node:module';
import { describeError } from '../core/errors/describe-error.js';
import type { Logger } from '../core/log/index.js';
import { createEventGate } from '../core/redact/event-gate.js';
import { createUrlRedaction } from '../core/redact/url-redaction.js';

/** The two functions' code, each one expression, pure ASCII and inert inside a `<script>`. */
export interface BrowserCode {
  /** `createUrlRedaction`, as a function expression. */
  readonly urlRedaction: string;
  /** `createEventGate`, as a function expression. */
  readonly eventGate: string;
}

/**
 * The browsers the boot script must parse and run in: ES2018 syntax as Safari 12 has it (no
 * regular-expression lookbehind, which Safari parses only from 16.4; no `?.`, `??`, class fields).
 * esbuild lowers what it can for them and the boot script's tests check nothing else is left.
 */
export const BROWSER_TARGET: readonly string[] = ['es2018', 'safari12'];

/** The part of esbuild's API used here (`transformSync`). */
export interface Minifier {
  transformSync(
    code: string,
    options: {
      minify: boolean;
      target: string[];
      charset: 'ascii';
      legalComments: 'none';
      logLevel: 'silent';
    },
  ): { code: string };
}

/** The code the build writes into `dist/` (`tsup.config.ts`, `define`); undefined in the sources. */
declare const __EXPRESS_POSTHOG_BROWSER_CODE__: BrowserCode | undefined;

/** What would end or alter an inline `<script>`, or is not ASCII. */
const UNSAFE_IN_SCRIPT = /<\/script|<!--|[^\t\n\r -~]/i;

/** A function with its source, as `Function.prototype.toString` gives it. */
type BrowserFunction = typeof createUrlRedaction | typeof createEventGate;

/**
 * Checks one function's browser code: it must not hold what would end or alter an inline
 * `<script>`, nor non-ASCII. Run from the sources through tsx (`npm start`), esbuild keeps
 * function names with a `__name` helper the browser does not have: the code gets one that
 * does nothing.
 */
function safeForScript(name: string, code: string): string {
  if (UNSAFE_IN_SCRIPT.test(code)) {
    throw new Error(
      `express-posthog: the browser code of ${name} cannot be put into a <script> (it holds "</script", "<!--" or a non-ASCII character); the redaction's source must avoid them.`,
    );
  }
  return code.includes('__name(') ? `((__name) => ${code})((f) => f)` : code;
}

/** One function's source, minified to one expression. */
function minifyFunction(esbuild: Minifier, fn: BrowserFunction): string {
  // An assignment keeps the otherwise unused function expression from being dropped as dead code.
  const { code } = esbuild.transformSync(`x=(${fn.toString()})`, {
    minify: true,
    target: [...BROWSER_TARGET],
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const expression = code.trim().replace(/^x=/, '').replace(/;$/, '');
  return safeForScript(fn.name, expression);
}

/**
 * The browser code of the two redaction functions, minified by the given esbuild. The build
 * (`tsup.config.ts`) and the sources use this one function, so the browser runs the same code
 * either way.
 *
 * @param esbuild - esbuild, or anything with its `transformSync`.
 * @example
 * const code = minifyBrowserCode(await import('esbuild'));
 * code.eventGate; // 'function(A,_,S){const E=A.REDACTED,…}'
 */
export function minifyBrowserCode(esbuild: Minifier): BrowserCode {
  return {
    urlRedaction: minifyFunction(esbuild, createUrlRedaction),
    eventGate: minifyFunction(esbuild, createEventGate),
  };
}

/**
 * The fallback when no esbuild can be loaded (sources run without the toolchain): the source
 * with comments and indentation dropped. A block comment starts at `/**` and no regular
 * expression of these functions holds one.
 */
function strippedFunction(fn: BrowserFunction): string {
  const source = fn
    .toString()
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
  return safeForScript(fn.name, source);
}

/** esbuild as the toolchain installed it, or `undefined`. */
function loadEsbuild(): Minifier | undefined {
  try {
    return createRequire(import.meta.url)('esbuild') as Minifier;
  } catch {
    return undefined;
  }
}

let fromSources: BrowserCode | undefined;

/**
 * The browser code of the two redaction functions: built into `dist/` by the build; from the
 * sources, minified at first use with the toolchain's esbuild, or, when none can be loaded,
 * the plain source with one warning (a larger boot script, never a failed start).
 *
 * @param logger - where the one warning goes.
 * @example
 * const { urlRedaction, eventGate } = browserCode(config.logger);
 */
export function browserCode(logger: Logger): BrowserCode {
  if (typeof __EXPRESS_POSTHOG_BROWSER_CODE__ !== 'undefined') {
    return __EXPRESS_POSTHOG_BROWSER_CODE__;
  }
  if (fromSources === undefined) {
    const esbuild = loadEsbuild();
    let failure = 'esbuild could not be loaded';
    if (esbuild !== undefined) {
      try {
        fromSources = minifyBrowserCode(esbuild);
        return fromSources;
      } catch (error) {
        failure = `esbuild could not minify it (${describeError(error)})`;
      }
    }
    logger.warn(
      `express-posthog: ${failure}, so the boot script carries the redaction code unminified (larger than the 5 KB gzip budget). Install the toolchain (\`npm install\`) or run the built package (\`npm run build\`).`,
    );
    fromSources = {
      urlRedaction: strippedFunction(createUrlRedaction),
      eventGate: strippedFunction(createEventGate),
    };
  }
  return fromSources;
}
