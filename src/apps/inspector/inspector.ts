import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/index.js';
import type { PosthogConfig } from '../../core/config/types.js';
import { describeError } from '../../core/errors/describe-error.js';
import { checkOptionsObject } from '../../core/options/options.js';
import { loadInspectorAssets } from './assets.js';
import { DEFAULT_INSPECTOR_PATH } from './constants.js';
import { decodeBody } from './decode.js';
import { eventsOfBody } from './events.js';
import { assertInspectorAllowed, failOption } from './guard.js';
import { isAllowedHost } from './host.js';
import { allowCors, filterOf, posthogJsDist, sendJson, splitUrl } from './http.js';
import { LiveFeed } from './live.js';
import { checkFlags, checkHosts, checkPositiveInt } from './options.js';
import { createPageRenderer, PAGE_CSP, type PageState, pageRows } from './page.js';
import { readRawBody } from './read-body.js';
import {
  type FlagValue,
  flagsResponse,
  type InspectorFlags,
  remoteConfig,
  remoteConfigScript,
} from './remote-config.js';
import { sessionReplay } from './replay.js';
import { InspectorStore } from './store.js';
import { propertiesJson } from './view.js';

/** Options of {@link posthogInspector}. */
export interface PosthogInspectorOptions {
  /**
   * The configuration read from the environment, checked before anything is mounted:
   * `NODE_ENV=production` or a real `POSTHOG_API_KEY` makes the factory throw.
   * @default loadConfig()
   */
  readonly config?: PosthogConfig;
  /** How many events it keeps, newest first. @default 1000 */
  readonly maxEvents?: number;
  /**
   * How many bytes its events may hold together: their properties as JSON (the form they
   * are kept in) plus 256 bytes each. @default 67108864 (64 MiB)
   */
  readonly maxStoredBytes?: number;
  /** Largest request body accepted, as sent (413 past it). @default 8388608 (8 MiB) */
  readonly maxBodyBytes?: number;
  /** Largest body once gunzipped and base64-decoded (413 past it). @default 16777216 (16 MiB) */
  readonly maxDecodedBytes?: number;
  /** Objects and arrays in one body at most (400 past it, before parsing). @default 200000 */
  readonly maxObjects?: number;
  /** Nesting of one body at most (400 past it, before parsing). @default 200 */
  readonly maxDepth?: number;
  /**
   * Host names besides the loopback ones (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`)
   * the inspector answers; `.example.test` allows a domain and its subdomains. Any other
   * `Host` gets 403, so a DNS-rebinding page cannot read the events. @default []
   */
  readonly allowedHosts?: readonly string[];
  /** Inspector pages open at once (each holds a live stream). @default 8 */
  readonly maxLiveClients?: number;
  /** The flags `/flags` answers (posthog-js and posthog-node both ask); the page changes them. @default {} */
  readonly flags?: InspectorFlags;
  /** Whether the remote config turns session recording on. @default config.replay */
  readonly replay?: boolean;
}

/** The inspector middleware, with its store and its flags at hand. */
export interface PosthogInspector {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The events received so far. */
  readonly store: InspectorStore;
  /** Replaces the flags `/flags` answers. */
  setFlags(flags: InspectorFlags): void;
  /** The flags `/flags` answers now. */
  flags(): InspectorFlags;
  /** Ends the open live streams (the server is stopping). */
  close(): void;
  /** Where an app mounts it unless told otherwise, and where both SDKs then send: `/_inspector`. */
  readonly path: string;
}

const DEFAULTS = Object.freeze({
  maxEvents: 1_000,
  maxStoredBytes: 64 * 1024 * 1024,
  maxBodyBytes: 8 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
  maxObjects: 200_000,
  maxDepth: 200,
  maxLiveClients: 8,
});
/** Inflated bytes of one session's replay at most, and how deep a recorded DOM may nest. */
const REPLAY_LIMITS = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxDepth: 2_000,
  maxObjects: 2_000_000,
});
const HEARTBEAT_MS = 15_000;
/** Capture paths, relative to the inspector, that both SDKs post to. */
const CAPTURE = /^\/(e|i\/v0\/e|batch|capture|track|engage|s|i\/v0\/s)\/?$/;
const FLAGS = /^\/(flags|decide)\/?$/;
const REMOTE_CONFIG = /^\/array\/([^/]+)\/config(\.js)?$/;
const STATIC = /^\/static\/([a-z0-9][a-z0-9.-]*\.js)$/i;
const EVENT = /^\/api\/events\/(\d{1,15})$/;
const FLAG_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * A PostHog-compatible capture endpoint for local development (docs/observability.md, "Local inspector"), mounted in
 * the app — it never listens on a port of its own. It accepts what the real
 * `posthog-js` and `posthog-node` send (single events and batches; JSON, gzip
 * recognised by its magic bytes, or `data=<base64>` forms; replay snapshots), answers
 * `/flags` with the configured flags and the remote config with session recording
 * on, keeps the last events in a bounded ring, and lists them at its root (an HTML
 * page) and at `api/events` (JSON). A malformed body gets 400 and is not stored; an
 * oversized one 413.
 *
 * Point both SDKs at it: the server client's `host` and the snippet's `apiHost` are
 * `<origin>/_inspector`. It throws with `NODE_ENV=production` or a real `POSTHOG_API_KEY`.
 *
 * @param options - see {@link PosthogInspectorOptions}; every field is optional.
 * @example
 * import { posthogInspector } from 'express-posthog/inspector';
 * if (process.env.NODE_ENV !== 'production') {
 *   app.use('/_inspector', posthogInspector({ flags: { 'new-ui': true } }));
 * }
 */
export function posthogInspector(options?: Readonly<PosthogInspectorOptions>): PosthogInspector {
  const checked = checkOptionsObject<PosthogInspectorOptions>(
    'posthogInspector',
    "app.use('/_inspector', posthogInspector())",
    options,
  );
  for (const name of [
    'maxEvents',
    'maxStoredBytes',
    'maxBodyBytes',
    'maxDecodedBytes',
    'maxObjects',
    'maxDepth',
    'maxLiveClients',
  ] as const) {
    checkPositiveInt(name, checked[name]);
  }
  checkFlags(checked.flags);
  checkHosts(checked.allowedHosts);
  if (checked.replay !== undefined && typeof checked.replay !== 'boolean') {
    failOption('replay', checked.replay, 'must be true or false');
  }
  const config = checked.config ?? loadConfig();
  assertInspectorAllowed(config);
  const {
    maxEvents = DEFAULTS.maxEvents,
    maxStoredBytes = DEFAULTS.maxStoredBytes,
    maxBodyBytes = DEFAULTS.maxBodyBytes,
    maxDecodedBytes = DEFAULTS.maxDecodedBytes,
    maxObjects = DEFAULTS.maxObjects,
    maxDepth = DEFAULTS.maxDepth,
    maxLiveClients = DEFAULTS.maxLiveClients,
    allowedHosts = [],
    replay = config.replay,
  } = checked;
  let flags: InspectorFlags = { ...checked.flags };
  const store = new InspectorStore({ maxEvents, maxBytes: maxStoredBytes });
  const renderPage = createPageRenderer();
  const assets = loadInspectorAssets();
  const dist = posthogJsDist();
  const logger = config.logger;
  const feed = new LiveFeed({
    maxClients: maxLiveClients,
    heartbeatMs: HEARTBEAT_MS,
    maxQueuedBytes: 8 * 1024 * 1024,
  });
  const hosts = [...allowedHosts];

  function state(): PageState {
    const stats = store.stats();
    return {
      ...pageRows(store.list(), (event) => store.viewOf(event)),
      flags,
      stats: { size: stats.size, capacity: stats.capacity, dropped: stats.dropped },
    };
  }

  store.subscribe(function publishLive(events) {
    if (feed.size === 0) return;
    const stats = store.stats();
    feed.send('rows', {
      ...pageRows([...events].reverse(), (event) => store.viewOf(event)),
      stats: { size: stats.size, capacity: stats.capacity, dropped: stats.dropped },
    });
  });

  async function readJson(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const bytes = await readRawBody(req, maxBodyBytes);
    if (bytes === 'too-large') {
      res.setHeader('Connection', 'close');
      sendJson(res, 413, {
        type: 'validation_error',
        detail: `body larger than ${maxBodyBytes} bytes`,
      });
      return undefined;
    }
    const decoded = await decodeBody(
      {
        bytes,
        contentType: req.headers['content-type'],
        contentEncoding: req.headers['content-encoding'],
        compression: query.get('compression') ?? undefined,
      },
      { maxDecodedBytes, maxObjects, maxDepth },
    );
    if (!decoded.ok) {
      sendJson(res, decoded.status, { type: 'validation_error', detail: decoded.reason });
      return undefined;
    }
    return decoded;
  }

  async function capture(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ) {
    const decoded = await readJson(req, res, query);
    if (!decoded) return;
    const events = eventsOfBody(decoded.value);
    if (!events) {
      sendJson(res, 400, {
        type: 'validation_error',
        detail:
          'expected an event, an array of events, or { batch: [...] }, each with a string `event`',
      });
      return;
    }
    store.add(events, path);
    sendJson(res, 200, { status: 1 });
  }

  async function answerFlags(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const decoded = req.method === 'POST' ? await readJson(req, res, query) : { value: {} };
    if (!decoded) return;
    const body = decoded.value as { flag_keys_to_evaluate?: unknown } | null;
    const keys = Array.isArray(body?.flag_keys_to_evaluate)
      ? body.flag_keys_to_evaluate.filter((k): k is string => typeof k === 'string')
      : undefined;
    sendJson(res, 200, flagsResponse(flags, replay, keys));
  }

  /** `POST api/flags` from the page: `{ key, value }` sets a flag, `value: null` removes it. */
  async function changeFlag(req: IncomingMessage, res: ServerResponse) {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '') || !sameOrigin(req)) {
      // A cross-site form cannot send JSON, and a page of another origin is refused here.
      sendJson(res, 403, {
        type: 'forbidden',
        detail: 'flags change only from the inspector page itself (same origin, JSON body)',
      });
      return;
    }
    const bytes = await readRawBody(req, 16 * 1024);
    let body: { key?: unknown; value?: unknown } | undefined;
    try {
      body =
        bytes === 'too-large' ? undefined : (JSON.parse(bytes.toString('utf8')) as typeof body);
    } catch {
      body = undefined;
    }
    const key = typeof body?.key === 'string' ? body.key.trim() : '';
    const value = body?.value;
    const valid =
      FLAG_KEY.test(key) &&
      (value === null ||
        typeof value === 'boolean' ||
        (typeof value === 'string' && FLAG_KEY.test(value)));
    if (!valid) {
      sendJson(res, 400, {
        type: 'validation_error',
        detail:
          'send { "key": "my-flag", "value": true | false | "variant" | null }; keys and variants are letters, digits and _ . : -',
      });
      return;
    }
    const next: Record<string, FlagValue> = { ...flags };
    if (value === null) delete next[key];
    else next[key] = value as FlagValue;
    flags = next;
    feed.send('flags', { flags });
    sendJson(res, 200, { flags });
  }

  function serveStatic(res: ServerResponse, name: string): boolean {
    const file = dist && join(dist, name);
    if (!file || !existsSync(file)) return false;
    const body = readFileSync(file);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Length', body.length);
    res.end(body);
    return true;
  }

  function page(req: IncomingMessage, res: ServerResponse) {
    const base = (req as { baseUrl?: string }).baseUrl ?? '';
    const html = renderPage({ base, assets });
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    // no-transform: the snippet middleware leaves this page alone, so it does not record itself.
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('X-Robots-Tag', 'noindex');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Length', Buffer.byteLength(html));
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  async function replayOf(res: ServerResponse, query: URLSearchParams) {
    const session = query.get('session') ?? '';
    if (session === '') {
      sendJson(res, 400, { type: 'validation_error', detail: 'give ?session=<$session_id>' });
      return;
    }
    sendJson(res, 200, await sessionReplay(store.list(), session, REPLAY_LIMITS));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { path, query } = splitUrl(req);
    const method = req.method ?? 'GET';
    const readMethod = method === 'GET' || method === 'HEAD';
    if (readMethod && (path === '/' || path === '')) {
      page(req, res);
      return true;
    }
    if (path === '/api/events') {
      if (readMethod) {
        const filter = filterOf(query);
        sendJson(res, 200, { ...store.stats(), events: store.list(filter) });
        return true;
      }
      if (method === 'DELETE') {
        store.clear();
        feed.send('reset', state());
        res.statusCode = 204;
        res.end();
        return true;
      }
    }
    if (readMethod && path === '/api/live') {
      feed.open(req, res, state);
      return true;
    }
    const one = readMethod ? EVENT.exec(path) : null;
    if (one) {
      const event = store.get(Number(one[1]));
      if (!event) sendJson(res, 404, { type: 'not_found', detail: 'no longer held' });
      else sendJson(res, 200, { ...store.viewOf(event), properties: propertiesJson(event) });
      return true;
    }
    if (readMethod && path === '/api/replay') {
      await replayOf(res, query);
      return true;
    }
    if (path === '/api/flags') {
      if (readMethod) sendJson(res, 200, { flags });
      else if (method === 'POST') await changeFlag(req, res);
      else return false;
      return true;
    }
    const ingest = CAPTURE.test(path) || FLAGS.test(path) || REMOTE_CONFIG.test(path);
    if (ingest) allowCors(req, res);
    if (ingest && method === 'OPTIONS') {
      res.statusCode = 204;
      res.end();
      return true;
    }
    if (method === 'POST' && CAPTURE.test(path)) {
      await capture(req, res, path, query);
      return true;
    }
    if ((method === 'POST' || method === 'GET') && FLAGS.test(path)) {
      await answerFlags(req, res, query);
      return true;
    }
    const remote = readMethod ? REMOTE_CONFIG.exec(path) : null;
    if (remote) {
      const token = decodePathPart(remote[1] ?? '');
      if (token === undefined) {
        sendJson(res, 400, {
          type: 'validation_error',
          detail: 'the project key in the path is not valid percent-encoding',
        });
      } else if (remote[2]) {
        res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.end(remoteConfigScript(token, replay));
      } else {
        sendJson(res, 200, remoteConfig(token, replay));
      }
      return true;
    }
    if (readMethod && assets.serve(path, req, res)) return true;
    const asset = readMethod ? STATIC.exec(path) : null;
    if (asset?.[1] && serveStatic(res, asset[1])) return true;
    return false;
  }

  const inspector = function posthogInspectorMiddleware(
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) {
    if (!isAllowedHost(req.headers.host, hosts)) {
      sendJson(res, 403, {
        type: 'forbidden',
        detail: `posthogInspector answers only its own host names (loopback, or allowedHosts); Host ${JSON.stringify(
          String(req.headers.host ?? '').slice(0, 100),
        )} is not one. If the app is reached by that name on purpose, pass posthogInspector({ allowedHosts: ['that-name'] }).`,
      });
      return;
    }
    route(req, res).then(
      (handled) => {
        if (!handled)
          sendJson(res, 404, { type: 'not_found', detail: 'not an inspector endpoint' });
      },
      (error: unknown) => {
        // A client that went away mid-body is no error of the app's.
        if (req.destroyed || res.headersSent) {
          res.destroy();
          return;
        }
        logger.warn(`posthogInspector: a request failed: ${describeError(error)}`);
        next(error);
      },
    );
  } as PosthogInspector;
  Object.defineProperty(inspector, 'store', { value: store, enumerable: true });
  Object.defineProperty(inspector, 'path', { value: DEFAULT_INSPECTOR_PATH, enumerable: true });
  Object.defineProperty(inspector, 'setFlags', {
    value: function setFlags(next: InspectorFlags) {
      checkFlags(next);
      flags = { ...next };
      feed.send('flags', { flags });
    },
    enumerable: true,
  });
  Object.defineProperty(inspector, 'flags', {
    value: function currentFlags(): InspectorFlags {
      return flags;
    },
    enumerable: true,
  });
  Object.defineProperty(inspector, 'close', {
    value: function closeLive() {
      feed.close();
    },
    enumerable: true,
  });
  return inspector;
}

/** A percent-encoded path segment, decoded, or `undefined` when it is not valid (`%ZZ`). */
function decodePathPart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** Whether a browser request comes from the page's own origin (`Origin` or `Sec-Fetch-Site`). */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: curl, a test
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
