/**
 * The one options check of the middleware factories (`posthogUser`,
 * `posthogErrorHandler`, `debugRouter`, `posthogSnippet`, …). It runs once,
 * at construction, and throws a `TypeError` naming the factory, the option,
 * the value and the fix.
 */
import { getPosthog, type PosthogClient } from '../client/index.js';
import { show } from '../config/parse.js';

/** What a factory accepts, for {@link checkOptions}. */
export interface OptionsSpec {
  /** How to call the factory, for messages: `app.use(posthogUser())`. */
  readonly usage: string;
  /** Options that must be functions, each with an example of one. */
  readonly functions?: Readonly<Record<string, string>>;
  /** Options that must be strings, each with an example of one. */
  readonly strings?: Readonly<Record<string, string>>;
  /** Options checked by the factory itself; known, so not reported as unknown. */
  readonly others?: readonly string[];
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

/** Edit distance, for "did you mean". Names are short. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known option closest to `name` (same letters in another case, or at
 * most a third of the letters off), if any.
 *
 * @example
 * closestName('getuser', ['getUser', 'client']); // 'getUser'
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3))
    ? best
    : undefined;
}

/**
 * Returns the options object, or throws when it is not one. Catches
 * `app.use(factory)` (no call): Express then calls the factory with
 * `(req, res, next)` or `(err, req, res, next)` on the first request, and
 * that request fails with a message saying what to write (`app.use` itself
 * never calls the function, so registration cannot catch it).
 *
 * @example
 * const options = checkOptionsObject<MyOptions>('myFactory', 'app.use(myFactory())', input);
 */
export function checkOptionsObject<T extends object>(
  factory: string,
  usage: string,
  options: unknown,
): Readonly<Partial<T>> {
  if (options === undefined) return {} as Readonly<Partial<T>>;
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
  return options as Readonly<Partial<T>>;
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
  const candidate = client as Partial<PosthogClient> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.captureException !== 'function' ||
    typeof candidate.withContext !== 'function' ||
    typeof candidate.config !== 'object'
  ) {
    throw new TypeError(
      `${factory}: \`client\` must be a PosthogClient, got ${show(client)}. Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.`,
    );
  }
  const given = candidate as PosthogClient;
  return function givenClient() {
    return given;
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
 *   functions: { getUser: '(req, res) => req.user' },
 *   client: true,
 * });
 */
export function checkOptions<T extends object>(
  factory: string,
  input: unknown,
  spec: OptionsSpec,
): CheckedOptions<T> {
  const options = checkOptionsObject<T>(factory, spec.usage, input);
  const record = options as Record<string, unknown>;
  const known = [
    ...Object.keys(spec.functions ?? {}),
    ...Object.keys(spec.strings ?? {}),
    ...(spec.others ?? []),
    ...(spec.client ? ['client'] : []),
  ];
  for (const name of Object.keys(record)) {
    if (known.includes(name)) continue;
    const near = closestName(name, known);
    throw new TypeError(
      `${factory}: unknown option \`${name}\`${near ? ` — did you mean \`${near}\`?` : '.'} Its options are ${known.map((k) => `\`${k}\``).join(', ') || 'none'}.`,
    );
  }
  for (const [name, example] of Object.entries(spec.functions ?? {})) {
    checkFunctionOption(factory, name, record[name], example);
  }
  for (const [name, example] of Object.entries(spec.strings ?? {})) {
    checkStringOption(factory, name, record[name], example);
  }
  const client = spec.client ? clientOption(factory, record.client) : getPosthog;
  return { options, client };
}
