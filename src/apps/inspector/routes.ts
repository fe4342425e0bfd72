/**
 * The inspector's endpoints (docs/observability.md, "Endpoints"), as functions of one
 * {@link InspectorContext}: what `posthogInspector` built once, and the flags the page changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { OptionalPeer } from '../../core/package/peer.js';
import type { loadInspectorAssets } from './assets.js';
import { decodeBody } from './decode.js';
import { eventsOfBody } from './events.js';
import { isCrossSite } from './host.js';
import { filterOf, sendJson } from './http.js';
import type { LiveFeed } from './live.js';
import type { InspectorSettings } from './options.js';
import { type createPageRenderer, PAGE_CSP, type PageState, pageRows } from './page.js';
import { readRawBody } from './read-body.js';
import {
  type FlagValue,
  flagsResponse,
  type InspectorFlags,
  remoteConfig,
  remoteConfigScript,
} from './remote-config.js';
import { sessionReplay } from './replay.js';
import type { InspectorStore } from './store.js';
import { propertiesJson } from './view.js';

/** What the inspector's endpoints share: built once by `posthogInspector`. */
export interface InspectorContext {
  readonly settings: InspectorSettings;
  readonly store: InspectorStore;
  readonly feed: LiveFeed;
  readonly renderPage: ReturnType<typeof createPageRenderer>;
  readonly assets: ReturnType<typeof loadInspectorAssets>;
  /** posthog-js's `dist` folder and version, when the package is installed. */
  readonly dist: { readonly dir: string; readonly version: string } | undefined;
  /** The optional peers that are not installed, named on the page. */
  readonly missing: readonly OptionalPeer[];
  /** The flags `/flags` answers; the page and `setFlags` replace them. */
  flags: InspectorFlags;
}

/** Inflated bytes of one session's replay at most, and how deep a recorded DOM may nest. */
const REPLAY_LIMITS = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxDepth: 2_000,
  maxObjects: 2_000_000,
});
/** Capture paths, relative to the inspector, that both SDKs post to. */
const CAPTURE = /^\/(e|i\/v0\/e|batch|capture|track|engage|s|i\/v0\/s)\/?$/;
const FLAGS = /^\/(flags|decide)\/?$/;
const REMOTE_CONFIG = /^\/array\/([^/]+)\/config(\.js)?$/;
const STATIC = /^\/static\/([a-z0-9][a-z0-9.-]*\.js)$/i;
const EVENT = /^\/api\/events\/(\d{1,15})$/;
const FLAG_KEY = /^[A-Za-z0-9_.:-]{1,200}$/;

/** The page's whole state: the rows, the flags, the store's counts. */
export function state(ctx: InspectorContext): PageState {
  const stats = ctx.store.stats();
  return {
    ...pageRows(ctx.store.list(), (event) => ctx.store.viewOf(event)),
    flags: ctx.flags,
    stats: { size: stats.size, capacity: stats.capacity, dropped: stats.dropped },
  };
}

/** The body as JSON within the bounds, or `undefined` after answering 413/400. */
async function readJson(
  ctx: InspectorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
) {
  const bytes = await readRawBody(req, ctx.settings.maxBodyBytes);
  if (bytes === 'too-large') {
    res.setHeader('Connection', 'close');
    sendJson(res, 413, {
      type: 'validation_error',
      detail: `body larger than ${ctx.settings.maxBodyBytes} bytes`,
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
    {
      maxDecodedBytes: ctx.settings.maxDecodedBytes,
      maxObjects: ctx.settings.maxObjects,
      maxDepth: ctx.settings.maxDepth,
    },
  );
  if (!decoded.ok) {
    sendJson(res, decoded.status, { type: 'validation_error', detail: decoded.reason });
    return undefined;
  }
  return decoded;
}

/** A capture request: its events stored, `{ status: 1 }` answered. */
async function capture(
  ctx: InspectorContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
) {
  const decoded = await readJson(ctx, req, res, query);
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
  ctx.store.add(events, path);
  sendJson(res, 200, { status: 1 });
}

/** `/flags` (and `/decide`): the flags as both SDKs read them. */
async function answerFlags(
  ctx: InspectorContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
) {
  const decoded = req.method === 'POST' ? await readJson(ctx, req, res, query) : { value: {} };
  if (!decoded) return;
  const body = decoded.value as { flag_keys_to_evaluate?: unknown } | null;
  const keys = Array.isArray(body?.flag_keys_to_evaluate)
    ? body.flag_keys_to_evaluate.filter((k): k is string => typeof k === 'string')
    : undefined;
  sendJson(res, 200, flagsResponse(ctx.flags, ctx.settings.replay, keys));
}

/** `POST api/flags` from the page: `{ key, value }` sets a flag, `value: null` removes it. */
async function changeFlag(ctx: InspectorContext, req: IncomingMessage, res: ServerResponse) {
  if (
    !/^application\/json\b/i.test(req.headers['content-type'] ?? '') ||
    isCrossSite(req.headers)
  ) {
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
    body = bytes === 'too-large' ? undefined : (JSON.parse(bytes.toString('utf8')) as typeof body);
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
  const next: Record<string, FlagValue> = { ...ctx.flags };
  if (value === null) delete next[key];
  else next[key] = value as FlagValue;
  ctx.flags = next;
  ctx.feed.send('flags', { flags: ctx.flags });
  sendJson(res, 200, { flags: ctx.flags });
}

/**
 * A posthog-js lazy file (`static/recorder.js?v=1.449.2`: replay's recorder, surveys, exception
 * autocapture), so that replay records whichever posthog-js the page loaded: from the installed
 * package when its version is the one asked for (or none is asked), else a redirect to the
 * same file of that version on the assets host, which served the page's loader.
 */
function serveStatic(
  ctx: InspectorContext,
  res: ServerResponse,
  name: string,
  query: URLSearchParams,
): void {
  const asked = query.get('v');
  const version = asked !== null && /^[0-9A-Za-z.+-]{1,40}$/.test(asked) ? asked : undefined;
  const file = ctx.dist && join(ctx.dist.dir, name);
  if (file && existsSync(file) && (version === undefined || version === ctx.dist?.version)) {
    const body = readFileSync(file);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Length', body.length);
    res.end(body);
    return;
  }
  const cdn = `${ctx.settings.config.assetsHost}/static/${name}${version ? `?v=${version}` : ''}`;
  res.statusCode = 302;
  res.setHeader('Location', cdn);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', 0);
  res.end();
}

/** The events page. */
function page(ctx: InspectorContext, req: IncomingMessage, res: ServerResponse, base: string) {
  const html = ctx.renderPage({ base, assets: ctx.assets, missing: ctx.missing });
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

/** `api/replay?session=`: a session's recording. */
async function replayOf(ctx: InspectorContext, res: ServerResponse, query: URLSearchParams) {
  const session = query.get('session') ?? '';
  if (session === '') {
    sendJson(res, 400, { type: 'validation_error', detail: 'give ?session=<$session_id>' });
    return;
  }
  sendJson(res, 200, await sessionReplay(ctx.store.list(), session, REPLAY_LIMITS));
}

/** A request's URL relative to the inspector, and where the inspector is (`/_inspector`). */
export interface InspectorUrl {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly base: string;
}

/**
 * Answers one inspector request; `false` when the path and method are none of its endpoints
 * (docs/observability.md, "Endpoints").
 */
export async function route(
  ctx: InspectorContext,
  req: IncomingMessage,
  res: ServerResponse,
  { path, query, base }: InspectorUrl,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const readMethod = method === 'GET' || method === 'HEAD';
  if (readMethod && (path === '/' || path === '')) {
    page(ctx, req, res, base);
    return true;
  }
  if (path === '/api/events') {
    if (readMethod) {
      const filter = filterOf(query);
      sendJson(res, 200, { ...ctx.store.stats(), events: ctx.store.list(filter) });
      return true;
    }
    if (method === 'DELETE') {
      ctx.store.clear();
      ctx.feed.send('reset', state(ctx));
      res.statusCode = 204;
      res.end();
      return true;
    }
  }
  if (readMethod && path === '/api/live') {
    ctx.feed.open(req, res, () => state(ctx));
    return true;
  }
  const one = readMethod ? EVENT.exec(path) : null;
  if (one) {
    const event = ctx.store.get(Number(one[1]));
    if (!event) sendJson(res, 404, { type: 'not_found', detail: 'no longer held' });
    else sendJson(res, 200, { ...ctx.store.viewOf(event), properties: propertiesJson(event) });
    return true;
  }
  if (readMethod && path === '/api/replay') {
    await replayOf(ctx, res, query);
    return true;
  }
  if (path === '/api/flags') {
    if (readMethod) sendJson(res, 200, { flags: ctx.flags });
    else if (method === 'POST') await changeFlag(ctx, req, res);
    else return false;
    return true;
  }
  const ingest = CAPTURE.test(path) || FLAGS.test(path) || REMOTE_CONFIG.test(path);
  // posthog-js posts same-origin, which needs no preflight: a preflight gets no CORS grant.
  if (ingest && method === 'OPTIONS') {
    res.statusCode = 204;
    res.end();
    return true;
  }
  if (method === 'POST' && CAPTURE.test(path)) {
    await capture(ctx, req, res, path, query);
    return true;
  }
  if ((method === 'POST' || method === 'GET') && FLAGS.test(path)) {
    await answerFlags(ctx, req, res, query);
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
      res.end(remoteConfigScript(token, ctx.settings.replay));
    } else {
      sendJson(res, 200, remoteConfig(token, ctx.settings.replay));
    }
    return true;
  }
  if (readMethod && ctx.assets.serve(path, req, res)) return true;
  const asset = readMethod ? STATIC.exec(path) : null;
  if (asset?.[1]) {
    serveStatic(ctx, res, asset[1], query);
    return true;
  }
  return false;
}

/** A percent-encoded path segment, decoded, or `undefined` when it is not valid (`%ZZ`). */
function decodePathPart(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
