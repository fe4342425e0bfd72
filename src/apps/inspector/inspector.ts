import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  getPosthog,
  installProcessClient,
  localInspectorClient,
  processClientBuilt,
} from '../../core/client/index.js';
import { localInspectorConfig, sendsToLocalInspector } from '../../core/config/local-inspector.js';
import { describeError } from '../../core/errors/describe-error.js';
import { missingPeers } from '../../core/package/peer.js';
import { loadInspectorAssets } from './assets.js';
import { arrivedOnLoopback, isAllowedHost, isCrossSite } from './host.js';
import { posthogJsDist, sendJson, splitUrl } from './http.js';
import { LiveFeed } from './live.js';
import {
  checkFlags,
  type InspectorSettings,
  inspectorSettings,
  type PosthogInspectorOptions,
} from './options.js';
import { createPageRenderer, pageRows } from './page.js';
import type { InspectorFlags } from './remote-config.js';
import { type InspectorContext, type InspectorUrl, route } from './routes.js';
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
  /** Where it answers when registered without a path, and where both SDKs then send: `/_inspector`. */
  readonly path: string;
  /**
   * False when it is not mounted (`NODE_ENV=production`, or a real `POSTHOG_API_KEY`): the
   * middleware is then a pass-through and the store stays empty.
   */
  readonly mounted: boolean;
}

const HEARTBEAT_MS = 15_000;

/**
 * A PostHog-compatible capture endpoint for local development (docs/observability.md, "Local
 * inspector"), mounted in the app — it never listens on a port of its own. It accepts what the
 * real `posthog-js` and `posthog-node` send (single events and batches; JSON, gzip recognised
 * by its magic bytes, or `data=<base64>` forms; replay snapshots), answers `/flags` with the
 * configured flags and the remote config with session recording on, keeps the last events in a
 * bounded ring, and lists them at its root (an HTML page) and at `api/events` (JSON). A
 * malformed body gets 400 and is not stored; an oversized one 413.
 *
 * One line is enough: with no `POSTHOG_API_KEY` and `NODE_ENV` not `production`,
 * `app.use(posthogInspector())` (registered before the other PostHog middlewares) answers under
 * `/_inspector` and points the app's client (`getPosthog()`) and snippet at itself. With a real
 * key or in production it is not mounted, a pass-through, and says so in one info line.
 *
 * It answers only requests that arrived on a loopback interface (unless `allowRemote`) with a
 * `Host` of the app's own (loopback names, or `allowedHosts`), and stores nothing a page of
 * another site sends it.
 *
 * @param options - see {@link PosthogInspectorOptions}; every field is optional.
 * @example
 * import { posthogInspector } from 'express-posthog/inspector';
 * app.use(posthogInspector()); // first; then the events page is at /_inspector/
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
  const logger = settings.config.logger;
  if (settings.refusal !== undefined) {
    logger.info(settings.refusal);
    return withHandles(
      function posthogInspectorNotMounted(_req, _res, next) {
        next();
      },
      { settings, store, feed, flags: () => settings.flags, setFlags: checkFlags },
    );
  }
  const dist = posthogJsDist();
  const ctx: InspectorContext = {
    settings,
    store,
    feed,
    renderPage: createPageRenderer(),
    assets: loadInspectorAssets(),
    dist,
    missing: missingPeers(),
    flags: settings.flags,
  };
  const learnOrigin = pointAppAtInspector(settings, dist !== undefined);

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
    learnOrigin(req.socket);
    const url = inspectorUrl(req, settings.path);
    if (url === undefined) {
      next();
      return;
    }
    const refused = refusal(req, settings);
    if (refused !== undefined) {
      sendJson(res, 403, { type: 'forbidden', detail: refused });
      return;
    }
    route(ctx, req, res, url).then(
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
  };
  return withHandles(inspector, {
    settings,
    store,
    feed,
    flags: () => ctx.flags,
    setFlags(next) {
      checkFlags(next);
      ctx.flags = { ...next };
      feed.send('flags', { flags: ctx.flags });
    },
  });
}

/**
 * The request's URL relative to the inspector, or `undefined` when it is not the inspector's:
 * mounted at a path (`app.use('/_inspector', posthogInspector())`), every request Express hands
 * it; registered without one, those under `path`.
 */
function inspectorUrl(req: IncomingMessage, path: string): InspectorUrl | undefined {
  const { path: full, query } = splitUrl(req);
  const mountedAt = (req as { baseUrl?: string }).baseUrl ?? '';
  if (mountedAt !== '') return { path: full, query, base: mountedAt };
  if (full === path || full.startsWith(`${path}/`)) {
    return { path: full.slice(path.length), query, base: path };
  }
  return undefined;
}

/** Why the inspector refuses this request (the 403's detail), or `undefined`. */
function refusal(req: IncomingMessage, settings: InspectorSettings): string | undefined {
  if (!settings.allowRemote && !arrivedOnLoopback(req.socket)) {
    return `posthogInspector answers only requests that arrive on a loopback interface: this one arrived on ${String(req.socket.localAddress)}, from another machine or outside the app's container. If that is on purpose, pass posthogInspector({ allowRemote: true }); everyone who can reach the app then sees its events.`;
  }
  if (!isAllowedHost(req.headers.host, settings.allowedHosts)) {
    return `posthogInspector answers only its own host names (loopback, or allowedHosts); Host ${JSON.stringify(
      String(req.headers.host ?? '').slice(0, 100),
    )} is not one. If the app is reached by that name on purpose, pass posthogInspector({ allowedHosts: ['that-name'] }).`;
  }
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD' && isCrossSite(req.headers)) {
    return `posthogInspector stores only what the app's own pages send (same origin); this ${method} came from ${JSON.stringify(
      String(req.headers.origin ?? req.headers['sec-fetch-site'] ?? '').slice(0, 100),
    )}, another site, and was not stored.`;
  }
  return undefined;
}

/**
 * Points the process-wide client (`getPosthog()`, which the snippet, the error handler and
 * every middleware without a `client` use) at the inspector, and returns how it learns the
 * app's address. posthog-js is served first-party when installed (so the page works offline);
 * else it comes from the CDN as `POSTHOG_JS_SRC` says.
 */
function pointAppAtInspector(
  settings: InspectorSettings,
  posthogJsInstalled: boolean,
): (socket: IncomingMessage['socket']) => void {
  const { config } = settings;
  // A client built before, and not by an inspector: middlewares created with it stay off.
  if (processClientBuilt() && !sendsToLocalInspector(getPosthog().config)) {
    config.logger.warn(
      'posthogInspector: the PostHog client was in use before the inspector was registered, so middlewares created earlier (posthogSnippet()) send nowhere. Register app.use(posthogInspector()) before the other PostHog middlewares.',
    );
  }
  const local = localInspectorClient(
    localInspectorConfig(config, {
      path: settings.path,
      jsSrc: posthogJsInstalled ? 'self' : config.jsSrc,
    }),
  );
  installProcessClient(local.client);
  return local.learnOrigin;
}

/** The middleware with its handles: the store, the flags, `close`, `path`, `mounted`. */
function withHandles(
  middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void,
  parts: {
    settings: InspectorSettings;
    store: InspectorStore;
    feed: LiveFeed;
    flags: () => InspectorFlags;
    setFlags: (flags: InspectorFlags) => void;
  },
): PosthogInspector {
  const handles = {
    store: parts.store,
    path: parts.settings.path,
    mounted: parts.settings.refusal === undefined,
    setFlags: function setFlags(next: InspectorFlags) {
      parts.setFlags(next);
    },
    flags: function currentFlags(): InspectorFlags {
      return parts.flags();
    },
    close: function closeLive() {
      parts.feed.close();
    },
  };
  for (const [name, value] of Object.entries(handles)) {
    Object.defineProperty(middleware, name, { value, enumerable: true });
  }
  return middleware as PosthogInspector;
}
