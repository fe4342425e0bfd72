/**
 * The snippet's browser code, minified (docs/snippet-internals.md, "The browser's copy of the
 * redaction"): the source of the two self-contained functions `createUrlRedaction` and
 * `createEventGate`, and the boot script of each consent mode (`views/_posthog.njk`, with slots
 * where the process's values go), minified by esbuild for the browsers the boot script
 * supports. One function, {@link minifyBrowserCode}, makes it: the build runs it once and
 * writes the result into `dist/` (`tsup.config.ts`, the `__EXPRESS_POSTHOG_BROWSER_CODE__`
 * constant), and run from the sources (tests, `npm start`) it runs at first use, with the
 * esbuild the toolchain brings. esbuild is never a run-time dependency of the package.
 */
import { createRequire } from 'node:module';
import type { ConsentMode } from '../core/config/types.js';
import { describeError } from '../core/errors/describe-error.js';
import type { Logger } from '../core/log/index.js';
import { createEventGate } from '../core/redact/event-gate.js';
import { createUrlRedaction } from '../core/redact/url-redaction.js';
import { compactLines, IDENTITY_FROM_TAG, renderTemplate } from './template.js';

/** The browser code, pure ASCII and inert inside a `<script>`. */
export interface BrowserCode {
  /** `createUrlRedaction`, as a function expression. */
  readonly urlRedaction: string;
  /** `createEventGate`, as a function expression. */
  readonly eventGate: string;
  /**
   * The boot script of each consent mode, minified, with {@link BOOT_SLOTS} where the values
   * go ({@link fillBootScript}); absent when nothing could minify it.
   */
  readonly boot?: Readonly<Record<ConsentMode, string>>;
}

/** The consent modes, each with its own boot script. */
const CONSENT_MODES: readonly ConsentMode[] = ['granted', 'ask', 'cookieless'];

/**
 * Where the values go in a minified boot script: global names that the template does not use
 * and the minifier leaves as they are, each found exactly once.
 */
export const BOOT_SLOTS = Object.freeze({
  settings: '__EXPRESS_POSTHOG_SETTINGS__',
  tags: '__EXPRESS_POSTHOG_TAGS__',
  redaction: '__EXPRESS_POSTHOG_REDACTION__',
  gate: '__EXPRESS_POSTHOG_GATE__',
});

/** Any of {@link BOOT_SLOTS}. */
const SLOT = /__EXPRESS_POSTHOG_(?:SETTINGS|TAGS|REDACTION|GATE)__/g;

/** What a boot script's slots are filled with: JSON, and the two functions' code. */
export type BootValues = Readonly<Record<keyof typeof BOOT_SLOTS, string>>;

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

/** Throws when `code` holds what would end or alter an inline `<script>`, or non-ASCII. */
function assertSafeForScript(name: string, code: string): void {
  if (UNSAFE_IN_SCRIPT.test(code)) {
    throw new Error(
      `express-posthog: the browser code of ${name} cannot be put into a <script> (it holds "</script", "<!--" or a non-ASCII character); its source must avoid them.`,
    );
  }
}

/**
 * One function's browser code, checked. Run from the sources through tsx (`npm start`),
 * esbuild keeps function names with a `__name` helper the browser does not have: the code
 * gets one that does nothing.
 */
function safeForScript(name: string, code: string): string {
  assertSafeForScript(name, code);
  return code.includes('__name(') ? `((__name) => ${code})((f) => f)` : code;
}

/** How esbuild minifies the browser code. */
function minifyOptions(): Parameters<Minifier['transformSync']>[1] {
  return {
    minify: true,
    target: [...BROWSER_TARGET],
    charset: 'ascii',
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/** One function's source, minified to one expression. */
function minifyFunction(esbuild: Minifier, fn: BrowserFunction): string {
  // An assignment keeps the otherwise unused function expression from being dropped as dead code.
  const { code } = esbuild.transformSync(`x=(${fn.toString()})`, minifyOptions());
  const expression = code.trim().replace(/^x=/, '').replace(/;$/, '');
  return safeForScript(fn.name, expression);
}

/** The boot script of one consent mode, minified, with {@link BOOT_SLOTS} where the values go. */
function minifyBootScript(esbuild: Minifier, consent: ConsentMode): string {
  const source = renderTemplate({
    settings: BOOT_SLOTS.settings,
    tags: BOOT_SLOTS.tags,
    consent,
    identity: IDENTITY_FROM_TAG,
    redaction: BOOT_SLOTS.redaction,
    gate: BOOT_SLOTS.gate,
  });
  const script = esbuild.transformSync(source, minifyOptions()).code.trim();
  for (const slot of Object.values(BOOT_SLOTS)) {
    if (script.split(slot).length !== 2) {
      throw new Error(
        `express-posthog: the minified boot script (consent ${consent}) holds ${slot} ${script.split(slot).length - 1} times, not once; views/_posthog.njk must use each value once.`,
      );
    }
  }
  assertSafeForScript(`the boot script (consent ${consent})`, script);
  return script;
}

/**
 * The browser code, minified by the given esbuild: the two redaction functions and the boot
 * script of each consent mode. The build (`tsup.config.ts`) and the sources use this one
 * function, so the browser runs the same code either way.
 *
 * @param esbuild - esbuild, or anything with its `transformSync`.
 * @example
 * const code = minifyBrowserCode(await import('esbuild'));
 * code.eventGate; // '(function(A,_,S){const E=A.REDACTED,…})'
 */
export function minifyBrowserCode(esbuild: Minifier): BrowserCode {
  const boot: Partial<Record<ConsentMode, string>> = {};
  for (const consent of CONSENT_MODES) boot[consent] = minifyBootScript(esbuild, consent);
  return {
    urlRedaction: minifyFunction(esbuild, createUrlRedaction),
    eventGate: minifyFunction(esbuild, createEventGate),
    boot: boot as Record<ConsentMode, string>,
  };
}

/**
 * A minified boot script with its slots filled: the settings and tags JSON, and the two
 * functions' code.
 *
 * @param script - one of {@link BrowserCode.boot}.
 * @param values - what goes into each of {@link BOOT_SLOTS}.
 * @example
 * fillBootScript(code.boot.granted, { settings, tags, redaction: code.urlRedaction, gate: code.eventGate });
 */
export function fillBootScript(script: string, values: BootValues): string {
  // One pass over the script: a value that happens to hold a slot's name is not filled in turn.
  return script.replace(SLOT, (slot) => {
    if (slot === BOOT_SLOTS.settings) return values.settings;
    if (slot === BOOT_SLOTS.tags) return values.tags;
    return `(${slot === BOOT_SLOTS.redaction ? values.redaction : values.gate})`;
  });
}

/**
 * The fallback when no esbuild can be loaded (sources run without the toolchain): the source
 * with comments and indentation dropped. A block comment starts at `/**` and no regular
 * expression of these functions holds one.
 */
function strippedFunction(fn: BrowserFunction): string {
  return safeForScript(fn.name, compactLines(fn.toString().replace(/\/\*\*[\s\S]*?\*\//g, '')));
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
 * The browser code: built into `dist/` by the build; from the sources, minified at first use
 * with the toolchain's esbuild, or, when none can be loaded, the plain source of the two
 * functions and no minified boot script, with one warning (a larger boot script, never a
 * failed start).
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
      `express-posthog: ${failure}, so the boot script and its redaction code go out unminified (larger than the 5 KB gzip budget). Install the toolchain (\`npm install\`) or run the built package (\`npm run build\`).`,
    );
    fromSources = {
      urlRedaction: strippedFunction(createUrlRedaction),
      eventGate: strippedFunction(createEventGate),
    };
  }
  return fromSources;
}
