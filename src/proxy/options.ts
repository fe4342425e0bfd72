/**
 * The options of `posthogProxy`, checked once at construction: a bad value throws with the
 * option, the value and what to write (docs/observability.md, "posthogProxy").
 */
import type { PosthogClient } from '../core/client/index.js';
import { MAX_TIMER_MS } from '../core/config/parse.js';
import { describeError } from '../core/errors/describe-error.js';
import {
  checkOptionsObject,
  checkPositiveInteger,
  clientOption,
  failOption,
  optionKeys,
} from '../core/options/options.js';

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

const FACTORY = 'posthogProxy';
const USAGE = "app.use(posthogProxy({ path: '/ingest' }))";
const KNOWN = optionKeys<PosthogProxyOptions>({
  path: true,
  client: true,
  apiHost: true,
  assetsHost: true,
  timeoutMs: true,
  maxBodyBytes: true,
});

function fail(option: string, value: unknown, requirement: string): never {
  return failOption(FACTORY, option, value, requirement);
}

/** Reads each known option once, so a throwing getter or a Proxy fails here, by name. */
function readOptions(options: object): Partial<Record<(typeof KNOWN)[number], unknown>> {
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

/**
 * Checks `options` with the one options check (an unknown key is refused, naming the nearest
 * valid one) and applies the defaults; throws a `TypeError` naming the option, the value and
 * the fix.
 *
 * @example
 * const settings = proxySettings({ path: '/ingest', timeoutMs: 5000 });
 */
export function proxySettings(options: unknown): ProxySettings {
  const checked = readOptions(checkOptionsObject(FACTORY, USAGE, options, KNOWN));
  const path = checked.path === undefined ? '/ingest' : checkPath(checked.path);
  const timeoutMs =
    checkPositiveInteger(FACTORY, 'timeoutMs', checked.timeoutMs, {
      max: MAX_TIMER_MS,
      unit: 'milliseconds',
    }) ?? 30_000;
  const maxBodyBytes =
    checkPositiveInteger(FACTORY, 'maxBodyBytes', checked.maxBodyBytes, {
      max: Number.MAX_SAFE_INTEGER,
      unit: 'bytes',
    }) ?? 20 * 1024 * 1024;
  const client = clientOption(FACTORY, checked.client)();
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
