import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import type { PosthogConfig } from '../config/types.js';
import { checkOptionsObject } from '../middlewares/options.js';
import { decodeBody } from './decode.js';
import { eventsOfBody } from './events.js';
import { assertInspectorAllowed, failOption } from './guard.js';
import { allowCors, filterOf, posthogJsDist, sendJson, splitUrl } from './http.js';
import { checkFlags, checkPositiveInt } from './options.js';
import { createEventsPageRenderer } from './page.js';
import { readRawBody } from './read-body.js';
import {
  flagsResponse,
  type InspectorFlags,
  remoteConfig,
  remoteConfigScript,
} from './remote-config.js';
import { InspectorStore } from './store.js';

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
  /** How many bytes of event JSON it keeps, at most. @default 67108864 (64 MiB) */
  readonly maxStoredBytes?: number;
  /**
   * Largest request body accepted, as sent (413 past it); a gzip body may inflate to
   * 8 times this. @default 8388608 (8 MiB)
   */
  readonly maxBodyBytes?: number;
  /** The flags `/flags` answers (posthog-js and posthog-node both ask). @default {} */
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
}

const DEFAULTS = Object.freeze({
  maxEvents: 1_000,
  maxStoredBytes: 64 * 1024 * 1024,
  maxBodyBytes: 8 * 1024 * 1024,
});
const INFLATE_FACTOR = 8;
/** Capture paths, relative to the inspector, that both SDKs post to. */
const CAPTURE = /^\/(e|i\/v0\/e|batch|capture|track|engage|s|i\/v0\/s)\/?$/;
const FLAGS = /^\/(flags|decide)\/?$/;
const REMOTE_CONFIG = /^\/array\/([^/]+)\/config(\.js)?$/;
const STATIC = /^\/static\/([a-z0-9][a-z0-9.-]*\.js)$/i;

/**
 * A PostHog-compatible capture endpoint for local development (SPEC §12), mounted in
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
  checkPositiveInt('maxEvents', checked.maxEvents);
  checkPositiveInt('maxStoredBytes', checked.maxStoredBytes);
  checkPositiveInt('maxBodyBytes', checked.maxBodyBytes);
  checkFlags(checked.flags);
  if (checked.replay !== undefined && typeof checked.replay !== 'boolean') {
    failOption('replay', checked.replay, 'must be true or false');
  }
  const config = checked.config ?? loadConfig();
  assertInspectorAllowed(config);
  const {
    maxEvents = DEFAULTS.maxEvents,
    maxStoredBytes = DEFAULTS.maxStoredBytes,
    maxBodyBytes = DEFAULTS.maxBodyBytes,
    replay = config.replay,
  } = checked;
  let flags: InspectorFlags = { ...checked.flags };
  const store = new InspectorStore({ maxEvents, maxBytes: maxStoredBytes });
  const renderPage = createEventsPageRenderer();
  const dist = posthogJsDist();
  const logger = config.logger;

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
    const decoded = decodeBody(
      {
        bytes,
        contentType: req.headers['content-type'],
        contentEncoding: req.headers['content-encoding'],
        compression: query.get('compression') ?? undefined,
      },
      maxBodyBytes * INFLATE_FACTOR,
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

  function page(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
    const base = (req as { baseUrl?: string }).baseUrl ?? '';
    const filter = filterOf(query);
    const html = renderPage({ base, filter, events: store.list(filter), stats: store.stats() });
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    // no-transform: the snippet middleware leaves this page alone, so it does not record itself.
    res.setHeader('Cache-Control', 'no-store, no-transform');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.setHeader('Content-Length', Buffer.byteLength(html));
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { path, query } = splitUrl(req);
    const method = req.method ?? 'GET';
    const readMethod = method === 'GET' || method === 'HEAD';
    if (readMethod && (path === '/' || path === '')) {
      page(req, res, query);
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
        res.statusCode = 204;
        res.end();
        return true;
      }
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
    const config = readMethod ? REMOTE_CONFIG.exec(path) : null;
    if (config) {
      const token = decodeURIComponent(config[1] ?? '');
      if (config[2]) {
        res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.end(remoteConfigScript(token, replay));
      } else {
        sendJson(res, 200, remoteConfig(token, replay));
      }
      return true;
    }
    const asset = readMethod ? STATIC.exec(path) : null;
    if (asset?.[1] && serveStatic(res, asset[1])) return true;
    return false;
  }

  const inspector = function posthogInspectorMiddleware(
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) {
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
        logger.warn(`posthogInspector: a request failed: ${String(error)}`);
        next(error);
      },
    );
  } as PosthogInspector;
  Object.defineProperty(inspector, 'store', { value: store, enumerable: true });
  Object.defineProperty(inspector, 'setFlags', {
    value: function setFlags(next: InspectorFlags) {
      checkFlags(next);
      flags = { ...next };
    },
    enumerable: true,
  });
  return inspector;
}
