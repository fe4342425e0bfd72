import type express5 from 'express';
import type { Express } from 'express';

/** Where the app's own middleware goes relative to `compression()` and `posthogSnippet()`. */
export type Slot = 'mw' | 'compression' | 'snippet';

/** The orders the matrix tries; the snippet is always after compression (docs/drop-in.md). */
export const ORDERS = {
  'mw → compression → snippet': ['mw', 'compression', 'snippet'],
  'compression → mw → snippet': ['compression', 'mw', 'snippet'],
  'compression → snippet → mw': ['compression', 'snippet', 'mw'],
  /** For apps whose third-party part is a route (an engine, multer, React): nothing to move. */
  'compression → snippet': ['compression', 'snippet'],
} as const satisfies Record<string, readonly Slot[]>;

/** A name of {@link ORDERS}. */
export type OrderName = keyof typeof ORDERS;

/** The orders for an app with a positioned middleware. */
export const POSITIONS: readonly OrderName[] = [
  'mw → compression → snippet',
  'compression → mw → snippet',
  'compression → snippet → mw',
];

/** The three builds of one app: without the package, with it and a key, with it and no key. */
export type Variant = 'baseline' | 'enabled' | 'first-party' | 'disabled';

/** What an app is built with. */
export interface BuildContext {
  readonly express: typeof express5;
  readonly variant: Variant;
  /** A temporary folder holding `views/` and `static/`, files with fixed mtimes. */
  readonly fixtures: string;
  /** Origin of the loopback upstream the proxy app forwards to. */
  readonly upstream: string;
}

/** A logged-in user as a step expects the snippet to name them. */
export interface StepUser {
  readonly id: string;
  readonly email?: string;
}

/** One request of a case. */
export interface StepSpec {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /**
   * A conditional request: the harness first sends the same request without validators (a
   * step of its own, compared too), then this one with `If-None-Match` (`etag`) and/or
   * `If-Modified-Since` (`date`) from the copy the client holds: the variant's own (`own`)
   * or the baseline's (`baseline`, a client that cached the page before the package came).
   */
  readonly conditional?: {
    readonly from: 'own' | 'baseline';
    readonly send: readonly ('etag' | 'date')[];
  };
  /** The positioned middleware answers this request itself (serve-static, a proxy). */
  readonly answeredByPositioned?: boolean;
  /** The user this request is logged in as (the snippet must name them where allowed). */
  readonly user?: StepUser;
  /** The app sets a CSP nonce: the snippet's tag must carry the one the baseline's CSP names. */
  readonly nonce?: boolean;
  /** Overrides where the snippet goes (a `res.flush()` before `</head>`). */
  readonly insertAt?: (body: Buffer) => number | undefined;
  /** The first byte must arrive at least this long before the end (a `res.flush()`). */
  readonly earlyBytesMs?: number;
}

/** One request case: its steps share a cookie jar; every step is compared. */
export interface RequestCase {
  readonly name: string;
  readonly steps: readonly StepSpec[];
}

/** One app of the matrix. */
export interface AppCase {
  readonly name: string;
  /** Registered first, in every order (view settings, a nonce generator). */
  readonly setup?: (app: Express, ctx: BuildContext) => void;
  /** The third-party middleware whose position varies, registered as one unit. */
  readonly positioned?: (app: Express, ctx: BuildContext) => void;
  /** The app's routes, registered last. */
  readonly routes: (app: Express, ctx: BuildContext) => void;
  readonly requests: readonly RequestCase[];
}

/** The orders an app runs in. */
export function ordersOf(app: AppCase): readonly OrderName[] {
  return app.positioned ? POSITIONS : ['compression → snippet'];
}

/** Browser navigation headers (Chromium's `Accept`), with an optional `Accept-Encoding`. */
export function browser(encoding?: string, extra: Record<string, string> = {}) {
  return {
    Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    ...(encoding ? { 'Accept-Encoding': encoding } : {}),
    ...extra,
  };
}

/** A small full page, as apps render them. */
export function page(title: string, body: string, head = ''): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;
}
