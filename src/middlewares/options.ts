/**
 * Checks shared by the middleware factories (`posthogUser`,
 * `posthogErrorHandler`, `debugRouter`): they run once, at construction, and
 * throw with the factory, the option, the value and the fix (STYLE).
 */
import { getPosthog, type PosthogClient } from '../client/index.js';
import { show } from '../config/parse.js';

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
 * Returns the options object, or throws when it is not one. Catches
 * `app.use(factory)` (no call): Express then calls the factory with
 * `(req, res, next)` or `(err, req, res, next)` on the first request, and
 * that request fails with a message saying what to write (the check helmet
 * does; `app.use` itself never calls the function, so registration cannot
 * catch it).
 *
 * @example
 * const { client } = checkOptionsObject<MyOptions>('myFactory', 'app.use(myFactory())', options);
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
