import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PosthogClient } from '../core/client/index.js';
import { browserApiHost } from '../core/config/local-inspector.js';
import type { JsSource } from '../core/config/types.js';
import { contentHash } from '../core/http/content-hash.js';
import { type SnippetNeeds, snippetNeeds } from '../core/http/csp.js';
import { type StaticAsset, serveAsset } from '../core/http/static-asset.js';
import { pathWithoutQuery } from '../core/http/url-path.js';
import { posthogProxy } from '../proxy/index.js';
import { bootAsset, loadFirstPartyBundle } from './first-party-bundle.js';
import {
  type BrowserInitOptions,
  createSnippet,
  type SnippetDelivery,
  type SnippetRenderer,
} from './render.js';

/** The options of `posthogSnippet` that say where the browser gets the snippet and posthog-js. */
export interface BrowserAssetOptions {
  readonly jsSrc?: JsSource;
  readonly apiHost?: string;
  readonly assetPrefix?: string;
  readonly delivery?: SnippetDelivery;
  readonly firstParty?: boolean;
  /** The app's own posthog-js init options, checked (`checkJsonOption`). */
  readonly browser?: BrowserInitOptions;
}

/** What the browser is given, worked out once per middleware. */
export interface BrowserAssets {
  /** First-party mode is on: everything the browser needs comes from the app's origin. */
  readonly firstParty: boolean;
  /** Renders the per-page bytes: the boot tag, or the whole inline snippet. */
  readonly render: SnippetRenderer;
  /** The sources a page's `Content-Security-Policy` must allow. */
  readonly needs: SnippetNeeds;
  /**
   * Answers a request for one of the middleware's own paths — the boot script, the
   * first-party bundle, the ingestion proxy — and returns true; false for any other.
   */
  serve(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): boolean;
}

/**
 * Works out, once, what the browser is given and from where (docs/observability.md,
 * "First-party delivery (`POSTHOG_FIRST_PARTY`)"): the asset prefix, the loader URL (the CDN's `array.js`, or the
 * installed posthog-js served under the prefix), the `api_host` (the option, or the
 * ingestion proxy under the prefix in first-party mode), the rendered snippet and its boot
 * script.
 * @param client - an enabled client; its config supplies every default.
 * @param options - the caller's options, already checked.
 * @returns the assets, or `undefined` when posthog-js is to be served but is not installed:
 *   one error is logged naming the setting and `npm install posthog-js`, and the snippet is off.
 * @example
 * const assets = browserAssets(getPosthog(), { delivery: 'boot' });
 * if (!assets.serve(req, res, next)) next();
 */
export function browserAssets(
  client: PosthogClient,
  options: Readonly<BrowserAssetOptions>,
): BrowserAssets | undefined {
  const { config } = client;
  const delivery = options.delivery ?? 'boot';
  const firstParty = options.firstParty ?? config.firstParty;
  // First-party: one prefix that names neither PostHog nor analytics, stable for the project.
  const assetPrefix = (
    options.assetPrefix ??
    (firstParty ? `/_${contentHash(Buffer.from(config.apiKey ?? '')).slice(0, 8)}` : '/_posthog')
  ).replace(/\/+$/, '');
  const jsSrc = firstParty ? 'self' : (options.jsSrc ?? config.jsSrc);
  const ingestPath = `${assetPrefix}/i`;
  const apiHost = options.apiHost ?? (firstParty ? ingestPath : browserApiHost(config));
  const proxy =
    firstParty && options.apiHost === undefined
      ? posthogProxy({ client, path: ingestPath })
      : undefined;
  const loaded = jsSrc === 'self' ? loadFirstPartyBundle(assetPrefix) : undefined;
  if (loaded && 'missing' in loaded) {
    // The browser snippet is off rather than loaded from PostHog's CDN: the operator chose
    // the app's own origin (docs/observability.md, "First-party delivery"), and a page under
    // `script-src 'self'` would block the CDN anyway.
    const set = firstParty
      ? options.firstParty === true
        ? '`firstParty: true`'
        : 'POSTHOG_FIRST_PARTY=true'
      : options.jsSrc === 'self'
        ? "`jsSrc: 'self'`"
        : 'POSTHOG_JS_SRC=self';
    config.logger.error(
      `posthogSnippet: ${set} serves posthog-js from the app's own origin, but posthog-js is not installed (${loaded.missing}). Run \`npm install posthog-js\` and restart. Until then the browser snippet is off: pages are served as the app renders them; server events still go to PostHog.`,
    );
    return undefined;
  }
  const bundle = loaded;
  const loaderUrl = bundle ? bundle.url : `${config.assetsHost}/static/array.js`;
  const snippet = createSnippet(config, {
    // The boot script loads the bundle beside it, by a relative URL; the inline snippet by path.
    src:
      bundle && delivery === 'boot' ? loaderUrl.slice(loaderUrl.lastIndexOf('/') + 1) : loaderUrl,
    delivery,
    bootUrl: (hash) => `${assetPrefix}/boot.${hash}.js`,
    ...(options.browser !== undefined ? { browser: options.browser } : {}),
    apiHost,
  });
  const assets = new Map<string, StaticAsset>();
  if (bundle) assets.set(bundle.url, bundle);
  if (snippet.bootCode !== undefined && snippet.bootUrl !== undefined) {
    const boot = bootAsset(snippet.bootUrl, snippet.bootCode);
    assets.set(boot.url, boot);
  }
  const needs = snippetNeeds({
    bootUrl: snippet.bootUrl,
    src: loaderUrl,
    apiHost,
    // posthog-js loads its remote config (and lazy extensions) from the assets host.
    configHost:
      options.apiHost !== undefined || firstParty || apiHost !== config.host
        ? apiHost
        : config.assetsHost,
  });

  return {
    firstParty,
    render: snippet.render,
    needs,
    serve(req, res, next) {
      const path = pathWithoutQuery(req.url);
      const asset = req.method === 'GET' || req.method === 'HEAD' ? assets.get(path) : undefined;
      if (asset) {
        serveAsset(req, res, asset);
        return true;
      }
      if (proxy && (path === ingestPath || path.startsWith(`${ingestPath}/`))) {
        proxy(req, res, next);
        return true;
      }
      return false;
    },
  };
}
