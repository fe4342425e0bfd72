/**
 * The checks of `traceGeneration` and its recorder: a wrong call is the
 * app's mistake, never its LLM's failure (docs/observability.md, "Mistakes
 * in the calls"). Options are checked before the callback runs and throw a
 * `TypeError`; setter mistakes become one rate-limited warning each that
 * names the call, the value and the right form, and record nothing wrong.
 */
import { show } from '../core/config/parse.js';
import { checkOptionKeys } from '../core/options/options.js';

const OPTIONS_EXAMPLE =
  "traceGeneration({ provider: 'openai', model: 'gpt-4o-mini' }, async (gen) => { … })";

function requireText(options: Record<string, unknown>, key: string, example: string): void {
  let value: unknown;
  try {
    value = options[key];
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(
      `traceGeneration: \`${key}\` must be a non-empty string such as ${example}, got ${show(value)}. Write ${OPTIONS_EXAMPLE}.`,
    );
  }
}

function optionalType(options: Record<string, unknown>, key: string, type: string): void {
  let value: unknown;
  try {
    value = options[key];
  } catch {
    throw new TypeError(`traceGeneration: \`${key}\` cannot be read from the options.`);
  }
  if (value === undefined) return;
  const ok =
    type === 'object' ? typeof value === 'object' && value !== null : typeof value === type;
  if (!ok) {
    throw new TypeError(
      `traceGeneration: \`${key}\`, when given, must be ${type === 'object' ? 'an object' : `a ${type}`}, got ${show(value)}.`,
    );
  }
}

/**
 * Throws a `TypeError` naming the mistake when `traceGeneration`'s options
 * or callback are wrong: options not an object, an unknown key (named with the
 * nearest valid one), `provider` or `model`
 * missing or empty, the callback not a function, or `distinctId`, `traceId`,
 * `baseUrl`, `properties` of the wrong type. `keys` are the valid option names.
 */
export function checkTraceArguments(options: unknown, fn: unknown, keys: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `traceGeneration: the first argument must be an options object, got ${show(options)}. Write ${OPTIONS_EXAMPLE}.`,
    );
  }
  checkOptionKeys('traceGeneration', OPTIONS_EXAMPLE, options, keys);
  const record = options as Record<string, unknown>;
  requireText(record, 'provider', '"openai" or "anthropic"');
  requireText(record, 'model', '"gpt-4o-mini" or "claude-sonnet-4-5"');
  if (typeof fn !== 'function') {
    throw new TypeError(
      `traceGeneration: the second argument must be the function that makes the call, (gen) => …, got ${show(fn)}. Write ${OPTIONS_EXAMPLE}.`,
    );
  }
  for (const key of ['distinctId', 'traceId', 'baseUrl']) optionalType(record, key, 'string');
  optionalType(record, 'properties', 'object');
}

/** The token fields `setTokens` knows, and the property each one sets. */
export const TOKEN_KEYS = ['input', 'output', 'cacheRead', 'cacheCreation'] as const;

/** A token field of `setTokens`. */
export type TokenKey = (typeof TOKEN_KEYS)[number];

const TOKENS_EXAMPLE = 'gen.setTokens({ input: 10, output: 20 })';

/** The call as the app wrote it, for a warning: `gen.setTokens(10, 20)`. */
export function showCall(method: string, args: readonly unknown[]): string {
  return `gen.${method}(${args.map(show).join(', ')})`;
}

/**
 * Reads `setTokens`'s arguments: the counts that are right, and the warning
 * for the rest (`undefined` when all is well). A count must be a
 * non-negative integer; keys are `input`, `output`, `cacheRead`, `cacheCreation`.
 */
export function readTokens(args: readonly unknown[]): {
  counts: Partial<Record<TokenKey, number>>;
  warning?: string;
} {
  const call = showCall('setTokens', args);
  const [tokens] = args;
  if (args.length !== 1 || typeof tokens !== 'object' || tokens === null || Array.isArray(tokens)) {
    return {
      counts: {},
      warning: `${call}: pass one object of counts, e.g. ${TOKENS_EXAMPLE}; nothing was recorded.`,
    };
  }
  const counts: Partial<Record<TokenKey, number>> = {};
  const problems: string[] = [];
  let keys: string[];
  try {
    keys = Object.keys(tokens);
  } catch {
    keys = [];
    problems.push('the object cannot be read');
  }
  for (const key of keys) {
    let value: unknown;
    try {
      value = (tokens as Record<string, unknown>)[key];
    } catch {
      problems.push(`${key} cannot be read`);
      continue;
    }
    if (!(TOKEN_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown key "${key}" (the keys are ${TOKEN_KEYS.join(', ')})`);
    } else if (value === undefined) {
      // an optional field left out
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      problems.push(`${key} must be a non-negative integer, got ${show(value)}`);
    } else {
      counts[key as TokenKey] = value;
    }
  }
  if (problems.length === 0) return { counts };
  return {
    counts,
    warning: `${call}: ${problems.join('; ')}. Write e.g. ${TOKENS_EXAMPLE}; ${
      Object.keys(counts).length > 0
        ? 'only the valid counts were recorded'
        : 'nothing was recorded'
    }.`,
  };
}

/** `setHttpStatus`'s argument when it is an HTTP status, else the warning. */
export function readHttpStatus(args: readonly unknown[]): { status?: number; warning?: string } {
  const [status] = args;
  if (
    args.length === 1 &&
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 100 &&
    status <= 599
  ) {
    return { status };
  }
  return {
    warning: `${showCall('setHttpStatus', args)}: the status must be an integer from 100 to 599, e.g. gen.setHttpStatus(200); nothing was recorded.`,
  };
}
