import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../../core/errors/describe-error.js';
import { loadInspectorAssets } from './assets.js';
import { DEFAULT_INSPECTOR_PATH } from './constants.js';
import { isAllowedHost } from './host.js';
import { posthogJsDist, sendJson } from './http.js';
import { LiveFeed } from './live.js';
import { checkFlags, inspectorSettings, type PosthogInspectorOptions } from './options.js';
import { createPageRenderer, pageRows } from './page.js';
import type { InspectorFlags } from './remote-config.js';
import { type InspectorContext, route } from './routes.js';
import { InspectorStore } from './store.js';

export type { PosthogInspectorOptions } from './options.js';

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

const HEARTBEAT_MS = 15_000;

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
  const settings = inspectorSettings(options);
  const store = new InspectorStore({
    maxEvents: settings.maxEvents,
    maxBytes: settings.maxStoredBytes,
  });
  const feed = new LiveFeed({
    maxClients: settings.maxLiveClients,
    heartbeatMs: HEARTBEAT_MS,
    maxQueuedBytes: 8 * 1024 * 1024,
  });
  const ctx: InspectorContext = {
    settings,
    store,
    feed,
    renderPage: createPageRenderer(),
    assets: loadInspectorAssets(),
    dist: posthogJsDist(),
    flags: settings.flags,
  };
  const logger = settings.config.logger;

  store.subscribe(function publishLive(events) {
    if (feed.size === 0) return;
    const stats = store.stats();
    feed.send('rows', {
      ...pageRows([...events].reverse(), (event) => store.viewOf(event)),
      stats: { size: stats.size, capacity: stats.capacity, dropped: stats.dropped },
    });
  });

  const inspector = function posthogInspectorMiddleware(
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) {
    if (!isAllowedHost(req.headers.host, settings.allowedHosts)) {
      sendJson(res, 403, {
        type: 'forbidden',
        detail: `posthogInspector answers only its own host names (loopback, or allowedHosts); Host ${JSON.stringify(
          String(req.headers.host ?? '').slice(0, 100),
        )} is not one. If the app is reached by that name on purpose, pass posthogInspector({ allowedHosts: ['that-name'] }).`,
      });
      return;
    }
    route(ctx, req, res).then(
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
      ctx.flags = { ...next };
      feed.send('flags', { flags: ctx.flags });
    },
    enumerable: true,
  });
  Object.defineProperty(inspector, 'flags', {
    value: function currentFlags(): InspectorFlags {
      return ctx.flags;
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
