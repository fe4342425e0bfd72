/**
 * The options of `posthogProxy`, checked once at construction: a bad value throws with the
 * option, the value and what to write (docs/observability.md, "posthogProxy").
 */
import { getPosthog, type PosthogClient } from '../core/client/index.js';
import { show } from '../core/config/parse.js';
import { describeError } from '../core/errors/describe-error.js';
import { checkOptionsObject } from '../core/options/options.js';

/** Options of `posthogProxy`. */
export interface PosthogProxyOptions {
  /** The first-party path it answers under; the snippet's `api_host`. @default '/ingest' */
  readonly path?: string;
  /** The client whose config gives the hosts. @default getPosthog() */
  readonly client?: PosthogClient;
  /** Where API requests go. @default config.host */
  readonly apiHost?: string;
  /** Where `/static/*` and `/array/*` go. @default config.assetsHost */
  readonly assetsHost?: string;
  /** Deadline for the whole exchange, from the request to the last byte of the answer. @default 30000 */
  readonly timeoutMs?: number;
  /** Largest request body forwarded; a larger one is answered 413. @default 20971520 (20 MiB) */
  readonly maxBodyBytes?: number;
}

/** A parsed upstream: what `http.request` needs, and the path prefix of a self-hosted URL. */
export interface Upstream {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: string;
  /** `Host` header value. */
  readonly host: string;
  /** `https://eu.i.posthog.com`, to resolve a `Location` against. */
  readonly origin: string;
  /** `''`, or the path of a self-hosted URL (`/posthog`). */
  readonly basePath: string;
}

/** The checked options, with defaults applied. */
export interface ProxySettings {
  readonly path: string;
  readonly client: PosthogClient;
  readonly api: Upstream;
  readonly assets: Upstream;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

const USAGE = "app.use(posthogProxy({ path: '/ingest' }))";
const KNOWN = ['path', 'client', 'apiHost', 'assetsHost', 'timeoutMs', 'maxBodyBytes'] as const;
/** `setTimeout`'s largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

function fail(option: string, value: unknown, fix: string): never {
  throw new TypeError(`posthogProxy: \`${option}\` ${fix}, got ${show(value)}.`);
}

/** `checkOptionsObject`, with a revoked Proxy or a hostile prototype named as unreadable options. */
function checkedObject(options: unknown): object {
  try {
    return checkOptionsObject<PosthogProxyOptions>('posthogProxy', USAGE, options);
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith('posthogProxy:')) throw error;
    throw new TypeError(
      `posthogProxy: the options could not be read (${describeError(error)}); pass a plain object, e.g. ${USAGE}.`,
    );
  }
}

/** Reads each known option once, so a throwing getter or a Proxy fails here, by name. */
function readOptions(options: object): Partial<Record<(typeof KNOWN)[number], unknown>> {
  const known = new Set<string>(KNOWN);
  let keys: string[];
  try {
    keys = Object.keys(options);
  } catch (error) {
    throw new TypeError(
      `posthogProxy: the options could not be read (${describeError(error)}); pass a plain object, e.g. ${USAGE}.`,
    );
  }
  const unknown = keys.filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new TypeError(
      `posthogProxy: unknown option ${unknown.map((key) => `\`${key}\``).join(', ')}; the options are ${KNOWN.join(', ')}.`,
    );
  }
  const read: Partial<Record<(typeof KNOWN)[number], unknown>> = {};
  for (const key of KNOWN) {
    try {
      read[key] = (options as Record<string, unknown>)[key];
    } catch (error) {
      throw new TypeError(
        `posthogProxy: reading option \`${key}\` threw (${describeError(error)}); pass a plain value.`,
      );
    }
  }
  return read;
}

function upstreamOf(option: string, value: unknown): Upstream {
  const example = 'must be an http(s) URL such as https://eu.i.posthog.com';
  if (typeof value !== 'string') fail(option, value, example);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(option, value, example);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(option, value, example);
  if (url.username || url.password) {
    fail(option, value, 'must not carry credentials (PostHog would get them); drop the user:pass@');
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    fail(option, value, 'must have no query or fragment, e.g. https://eu.i.posthog.com');
  }
  return {
    secure: url.protocol === 'https:',
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    host: url.host,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
  };
}

function positiveInteger(option: string, value: unknown, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    fail(option, value, `must be a positive integer up to ${max} (${unit})`);
  }
  return value;
}

function checkPath(value: unknown): string {
  const ok =
    typeof value === 'string' &&
    /^(?:\/[A-Za-z0-9._~-]+)+$/.test(value) &&
    !value.split('/').some((segment) => segment === '.' || segment === '..');
  if (!ok) {
    fail(
      'path',
      value,
      "must be a path such as '/ingest' (a leading /, no trailing /; letters, digits, . _ ~ - per segment, no . or .. segment)",
    );
  }
  return value;
}

function checkClient(value: unknown): PosthogClient {
  if (value === undefined) return getPosthog();
  const config = (value as { config?: { host?: unknown } } | null)?.config;
  if (typeof value !== 'object' || value === null || typeof config?.host !== 'string') {
    fail('client', value, 'must be a PosthogClient (getPosthog(), or new PosthogClient(…))');
  }
  return value as PosthogClient;
}

/**
 * Checks `options` and applies the defaults; throws a `TypeError` naming the option, the
 * value and the fix.
 *
 * @example
 * const settings = proxySettings({ path: '/ingest', timeoutMs: 5000 });
 */
export function proxySettings(options: unknown): ProxySettings {
  const checked = readOptions(checkedObject(options));
  const path = checked.path === undefined ? '/ingest' : checkPath(checked.path);
  const timeoutMs =
    checked.timeoutMs === undefined
      ? 30_000
      : positiveInteger('timeoutMs', checked.timeoutMs, MAX_TIMER_MS, 'milliseconds');
  const maxBodyBytes =
    checked.maxBodyBytes === undefined
      ? 20 * 1024 * 1024
      : positiveInteger('maxBodyBytes', checked.maxBodyBytes, Number.MAX_SAFE_INTEGER, 'bytes');
  const client = checkClient(checked.client);
  const { config } = client;
  return {
    path,
    client,
    api: upstreamOf('apiHost', checked.apiHost ?? config.host),
    assets: upstreamOf('assetsHost', checked.assetsHost ?? config.assetsHost),
    timeoutMs,
    maxBodyBytes,
  };
}
