/**
 * The one options check of every factory (`posthogSnippet`, `posthogUser`,
 * `posthogErrorHandler`, `debugRouter`, `posthogProxy`, `posthogInspector`,
 * `createApp`, and the options of `traceGeneration`, the job functions and
 * `runCli`). It runs once, at construction, and throws a `TypeError` naming the
 * factory, the option, the value and the fix; an unknown key is refused, with
 * the nearest valid one (docs/observability.md, "Options").
 */

import { getPosthog, type PosthogClient } from '../client/index.js';
import { isPositiveInteger, refuseUnknownKeys } from '../config/option-rules.js';
import { show } from '../config/parse.js';
import { describeError } from '../errors/describe-error.js';

export { closestName, optionKeys } from '../config/option-rules.js';

/** What a factory accepts, for {@link checkOptions}. */
export interface OptionsSpec {
  /** How to call the factory, for messages: `app.use(posthogUser())`. */
  readonly usage: string;
  /** Options that must be functions, each with an example of one. */
  readonly functions?: Readonly<Record<string, string>>;
  /** Options that must be strings, each with an example of one. */
  readonly strings?: Readonly<Record<string, string>>;
  /**
   * Every option the factory takes, built with {@link optionKeys} so that the list cannot
   * drift from the options type; any other key is refused.
   */
  readonly keys: readonly string[];
  /** The factory takes `client`: a `PosthogClient`, else `getPosthog()` per request. */
  readonly client?: boolean;
}

/** What {@link checkOptions} gives back. */
export interface CheckedOptions<T extends object> {
  /** The caller's options (never copied or changed); `{}` when none were given. */
  readonly options: Readonly<Partial<T>>;
  /** The client to use, read per request: the given one, else `getPosthog()`. */
  readonly client: () => PosthogClient;
}

/** True for what Express hands a middleware: a request, a response, an error. */
function looksLikeExpressArgument(value: unknown): boolean {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    (typeof record.headers === 'object' && typeof record.method === 'string') ||
    (typeof record.setHeader === 'function' && typeof record.end === 'function')
  );
}

/**
 * Refuses a key of `options` that is not in `keys` (`retired` keys pass, for the factory
 * to say what replaced them), naming the nearest valid one; options that cannot be read (a
 * revoked Proxy) are named as such. For functions that check the object's shape themselves
 * (`traceGeneration`, the job functions, `runCli`); factories call {@link checkOptionsObject}.
 *
 * @param factory - the function's name, for messages.
 * @param usage - how to call it, for messages.
 * @param options - an object.
 * @param keys - the valid keys.
 * @param retired - keys that pass because the caller answers them itself. @default []
 * @example
 * checkOptionKeys('runCli', "runCli(main, { name: 'reindex' })", options, ['name', 'argv', 'client']);
 */
export function checkOptionKeys(
  factory: string,
  usage: string,
  options: object,
  keys: readonly string[],
  retired: readonly string[] = [],
): void {
  try {
    refuseUnknownKeys(factory, options, keys, retired);
  } catch (error) {
    throw unreadable(factory, usage, error);
  }
}

/** The error to throw: a message of ours as it is, anything else as options that cannot be read. */
function unreadable(factory: string, usage: string, error: unknown): TypeError {
  if (error instanceof TypeError && error.message.startsWith(`${factory}:`)) return error;
  return new TypeError(
    `${factory}: the options could not be read (${describeError(error)}); pass a plain object, e.g. ${usage}.`,
  );
}

/**
 * Returns the options object, or throws a `TypeError` when it is not one. Catches
 * `app.use(factory)` (no call): Express then calls the factory with
 * `(req, res, next)` or `(err, req, res, next)` on the first request, and
 * that request fails with a message saying what to write (`app.use` itself
 * never calls the function, so registration cannot catch it). Given `keys`,
 * it refuses a key not among them, naming the nearest valid one; `retired`
 * keys pass, for the factory to say what replaced them. Options that cannot
 * be read (a revoked Proxy) are named as such.
 *
 * @param factory - the factory's name, for messages.
 * @param usage - how to call it, for messages: `app.use(posthogUser())`.
 * @param options - what the caller passed.
 * @param keys - the valid keys; without them any key passes.
 * @param retired - keys that pass because the factory answers them itself. @default []
 * @returns the caller's object (not copied), or `{}` for `undefined`.
 * @example
 * const options = checkOptionsObject<MyOptions>('myFactory', 'app.use(myFactory())', input, ['path']);
 */
export function checkOptionsObject<T extends object>(
  factory: string,
  usage: string,
  options: unknown,
  keys?: readonly string[],
  retired: readonly string[] = [],
): Readonly<Partial<T>> {
  if (options === undefined) return {} as Readonly<Partial<T>>;
  try {
    if (typeof options === 'function' || looksLikeExpressArgument(options)) {
      throw new TypeError(
        `${factory}: call it — ${usage} — instead of passing ${factory} itself to Express.`,
      );
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(
        `${factory}: options must be an object, got ${show(options)}. Use ${usage}.`,
      );
    }
    if (keys !== undefined) refuseUnknownKeys(factory, options, keys, retired);
  } catch (error) {
    throw unreadable(factory, usage, error);
  }
  return options as Readonly<Partial<T>>;
}

/**
 * Throws the `TypeError` of a bad option: the factory, the option, what it must
 * be, and the value given.
 *
 * @param factory - the factory's name.
 * @param option - the option's name.
 * @param value - what was given.
 * @param requirement - what it must be, with an example: `must be a path such as '/ingest'`.
 * @example
 * failOption('posthogInspector', 'maxEvents', 0, 'must be a positive integer');
 * // TypeError: posthogInspector: `maxEvents` must be a positive integer, got 0.
 */
export function failOption(
  factory: string,
  option: string,
  value: unknown,
  requirement: string,
): never {
  throw new TypeError(`${factory}: \`${option}\` ${requirement}, got ${show(value)}.`);
}

/** How {@link checkPositiveInteger} bounds and explains a count. */
export interface PositiveIntegerRule {
  /** The largest allowed, named in the message when given. @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
  /** What is counted, for the message: `bytes`, `milliseconds`. */
  readonly unit?: string;
  /** A sentence saying what to write: `Use a number of bytes, e.g. 4194304.` */
  readonly fix?: string;
}

/**
 * The one check of a count, a size or a delay given as an option: `undefined`, or a
 * whole number from 1 to `rule.max` (a delay: up to `MAX_TIMER_MS`). Throws a
 * `TypeError` naming the factory, the option, the range and the value.
 *
 * @param factory - the factory's name.
 * @param option - the option's name.
 * @param value - what was given.
 * @param rule - the bound, the unit and the fix. @default {}
 * @returns the value, or `undefined` when none was given.
 * @example
 * checkPositiveInteger('posthogProxy', 'timeoutMs', 0, { max: MAX_TIMER_MS, unit: 'milliseconds' });
 * // TypeError: posthogProxy: `timeoutMs` must be a positive integer up to 2147483647 (milliseconds), got 0.
 */
export function checkPositiveInteger(
  factory: string,
  option: string,
  value: unknown,
  rule: PositiveIntegerRule = {},
): number | undefined {
  if (value === undefined || isPositiveInteger(value, rule.max)) return value;
  throw new TypeError(
    `${factory}: \`${option}\` must be a positive integer${rule.max !== undefined ? ` up to ${rule.max}` : ''}${rule.unit ? ` (${rule.unit})` : ''}, got ${show(value)}.${rule.fix ? ` ${rule.fix}` : ''}`,
  );
}

/**
 * Throws unless `value` is `undefined`, `true` or `false`; `fix` says what to write.
 *
 * @param factory - the factory's name.
 * @param option - the option's name.
 * @param value - what was given.
 * @param fix - a sentence saying what to write, if any.
 * @example
 * checkBooleanOption('posthogInspector', 'replay', 'yes');
 * // TypeError: posthogInspector: `replay` must be true or false, got "yes".
 */
export function checkBooleanOption(
  factory: string,
  option: string,
  value: unknown,
  fix?: string,
): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(
      `${factory}: \`${option}\` must be true or false, got ${show(value)}.${fix ? ` ${fix}` : ''}`,
    );
  }
}

/**
 * Throws unless `value` is `undefined` or a function; `example` shows one.
 *
 * @example
 * checkFunctionOption('posthogUser', 'getUser', getUser, '(req, res) => req.user');
 */
export function checkFunctionOption(
  factory: string,
  option: string,
  value: unknown,
  example: string,
): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(
      `${factory}: \`${option}\` must be a function, got ${show(value)}. Pass a function such as ${example}.`,
    );
  }
}

/**
 * Throws unless `value` is `undefined` or a string; `example` shows one.
 *
 * @example
 * checkStringOption('debugRouter', 'path', path, "'/api/debug/throw'");
 */
export function checkStringOption(
  factory: string,
  option: string,
  value: unknown,
  example: string,
): void {
  if (value !== undefined && typeof value !== 'string') {
    throw new TypeError(
      `${factory}: \`${option}\` must be a string, got ${show(value)}. Pass a string such as ${example}.`,
    );
  }
}

/**
 * True for a package client, or anything shaped like one (another copy of the package, loaded
 * by the other module system): the one answer to "is this a client?". Never throws.
 * @example
 * isPosthogClient(getPosthog()); // true
 * isPosthogClient({}); // false
 */
export function isPosthogClient(value: unknown): value is PosthogClient {
  if (typeof value !== 'object' || value === null) return false;
  try {
    const candidate = value as Partial<PosthogClient>;
    return (
      typeof candidate.captureException === 'function' &&
      typeof candidate.withContext === 'function' &&
      typeof candidate.config === 'object' &&
      candidate.config !== null
    );
  } catch {
    return false;
  }
}

/**
 * Checks the `client` option and returns a reader for the client to use per
 * request: the given one, else `getPosthog()` read at each request, so the
 * process-wide client may be configured (or reset in tests) after the app is
 * built. Duck-typed rather than `instanceof`, so a client from the ESM and one
 * from the CommonJS build of this package both fit.
 *
 * @example
 * const resolveClient = clientOption('posthogUser', options.client);
 * resolveClient().capture({ event: 'x' });
 */
export function clientOption(factory: string, client: unknown): () => PosthogClient {
  if (client === undefined) return getPosthog;
  if (!isPosthogClient(client)) {
    throw new TypeError(
      `${factory}: \`client\` must be a PosthogClient, got ${show(client)}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.`,
    );
  }
  return function givenClient() {
    return client;
  };
}

/**
 * The options check every factory runs first: an object (or nothing), no
 * unknown keys (each named, with "did you mean" when one is close), the
 * functions and strings of `spec` of the right type, and `client` a
 * `PosthogClient`. Throws a `TypeError` with the fix; returns the options
 * and the client reader.
 *
 * @example
 * const { options, client } = checkOptions<PosthogUserOptions>('posthogUser', input, {
 *   usage: 'app.use(posthogUser())',
 *   keys: optionKeys<PosthogUserOptions>({ getUser: true, client: true }),
 *   functions: { getUser: '(req, res) => req.user' },
 *   client: true,
 * });
 */
export function checkOptions<T extends object>(
  factory: string,
  input: unknown,
  spec: OptionsSpec,
): CheckedOptions<T> {
  const options = checkOptionsObject<T>(factory, spec.usage, input, spec.keys);
  const record = options as Record<string, unknown>;
  for (const [name, example] of Object.entries(spec.functions ?? {})) {
    checkFunctionOption(factory, name, record[name], example);
  }
  for (const [name, example] of Object.entries(spec.strings ?? {})) {
    checkStringOption(factory, name, record[name], example);
  }
  const client = spec.client ? clientOption(factory, record.client) : getPosthog;
  return { options, client };
}

/** How deep a JSON option may nest; deeper is refused (and a cycle with it). */
const MAX_JSON_DEPTH = 20;

/** A copy of one JSON value of a JSON option, or a `TypeError` naming where it is not JSON. */
function jsonCopy(factory: string, path: string, value: unknown, depth: number): unknown {
  const fix =
    'Only JSON values (strings, finite numbers, booleans, null, arrays, plain objects) can be written into the browser snippet.';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    failOption(factory, path, value, `must be a finite number. ${fix}`);
  }
  if (typeof value === 'function') {
    throw new TypeError(
      `${factory}: \`${path}\` is a function, which cannot reach the browser. ${fix}`,
    );
  }
  if (typeof value !== 'object') failOption(factory, path, value, `must be a JSON value. ${fix}`);
  if (depth >= MAX_JSON_DEPTH) {
    throw new TypeError(
      `${factory}: \`${path}\` nests deeper than ${MAX_JSON_DEPTH} levels (a cycle?). ${fix}`,
    );
  }
  if (Array.isArray(value)) {
    return Object.freeze(
      value.map((item, index) => jsonCopy(factory, `${path}[${index}]`, item, depth + 1)),
    );
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    failOption(factory, path, value, `must be a plain object. ${fix}`);
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) copy[key] = jsonCopy(factory, `${path}.${key}`, item, depth + 1);
  }
  return Object.freeze(copy);
}

/**
 * The one check of an option that is a JSON object written into the browser (such as
 * `posthogSnippet({ browser })`): `undefined`, or a plain object whose values are JSON values
 * (an `undefined` value counts as absent). A key the package owns is refused with its reason,
 * a function value (at any depth) is refused naming its path. Returns a frozen deep copy, so
 * that changing the caller's object later changes nothing.
 *
 * @param factory - the factory's name.
 * @param option - the option's name.
 * @param value - what was given.
 * @param owned - the keys the package sets itself, each with why and what to use instead.
 * @example
 * checkJsonOption('posthogSnippet', 'browser', { api_host: 'x' }, { api_host: 'the snippet sets it' });
 * // TypeError: posthogSnippet: `browser.api_host` cannot be set here: the snippet sets it.
 */
export function checkJsonOption(
  factory: string,
  option: string,
  value: unknown,
  owned: Readonly<Record<string, string>> = {},
): Readonly<Record<string, unknown>> | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      failOption(factory, option, value, 'must be an object');
    }
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(owned, key)) {
        throw new TypeError(
          `${factory}: \`${option}.${key}\` cannot be set here: ${owned[key]}. Remove it from \`${option}\`.`,
        );
      }
    }
    return jsonCopy(factory, option, value, 0) as Readonly<Record<string, unknown>>;
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith(`${factory}: `)) throw error;
    throw new TypeError(
      `${factory}: \`${option}\` could not be read (${describeError(error)}). Pass a plain object of JSON values.`,
    );
  }
}
