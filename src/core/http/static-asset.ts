import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompress, constants, gzipSync } from 'node:zlib';
import { matchesIfNoneMatch } from './conditional.js';
import { contentHash } from './content-hash.js';
import { acceptedNames } from './header-values.js';

/**
 * A file the middleware serves itself — the boot script, the posthog-js bundle — at a
 * content-hashed URL with an immutable cache, compressed once, never per request
 * (docs/observability.md, "First-party delivery").
 */
export interface StaticAsset {
  /** Root-relative URL with the content hash in it. */
  readonly url: string;
  readonly contentType: string;
  readonly identity: Buffer;
  /** gzip, level 9, made when the asset is made. */
  readonly gzip: Buffer;
  /** brotli, made in the background; `undefined` until it is ready (gzip is served meanwhile). */
  br: Buffer | undefined;
  /** The strong ETag of the identity bytes; each coding gets its own suffix. */
  readonly etag: string;
}

/** Assets already made, by content hash: tests and apps that build many middlewares share them. */
const made = new Map<string, StaticAsset>();

/**
 * Makes (or reuses) the asset for `body`, served at `url(hash)`.
 * @param url builds the URL from the content hash.
 * @param contentType the `Content-Type` to send.
 * @param body the bytes.
 */
export function staticAsset(
  url: (hash: string) => string,
  contentType: string,
  body: Buffer,
): StaticAsset {
  const hash = contentHash(body);
  const key = `${url(hash)} ${contentType}`;
  const existing = made.get(key);
  if (existing) return existing;
  const asset: StaticAsset = {
    url: url(hash),
    contentType,
    identity: body,
    gzip: gzipSync(body, { level: 9 }),
    br: undefined,
    etag: `"${hash}"`,
  };
  made.set(key, asset);
  brotliCompress(
    body,
    {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 9,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    },
    function brotliReady(error, result) {
      if (!error) asset.br = result;
    },
  );
  return asset;
}

/** The coding to send for an `Accept-Encoding`: brotli, else gzip, else none (q=0 refuses). */
export function pickCoding(acceptEncoding: unknown, brReady: boolean): 'br' | 'gzip' | undefined {
  if (typeof acceptEncoding !== 'string') return undefined;
  const accepted = acceptedNames(acceptEncoding);
  if (brReady && (accepted.has('br') || accepted.has('*'))) return 'br';
  if (accepted.has('gzip') || accepted.has('x-gzip') || accepted.has('*')) return 'gzip';
  return undefined;
}

/**
 * Answers a GET or HEAD for `asset`: the precompressed bytes the client accepts, an immutable
 * cache (`no-transform`, so `compression()` leaves them alone), and 304 for a held ETag.
 */
export function serveAsset(req: IncomingMessage, res: ServerResponse, asset: StaticAsset): void {
  const coding = pickCoding(req.headers['accept-encoding'], asset.br !== undefined);
  const body =
    coding === 'br' ? (asset.br as Buffer) : coding === 'gzip' ? asset.gzip : asset.identity;
  const etag = coding ? `${asset.etag.slice(0, -1)}-${coding}"` : asset.etag;
  res.statusCode = 200;
  res.setHeader('Content-Type', asset.contentType);
  res.setHeader('Cache-Control', 'public, max-age=31536000, immutable, no-transform');
  res.setHeader('Vary', 'Accept-Encoding');
  res.setHeader('ETag', etag);
  if (coding) res.setHeader('Content-Encoding', coding);
  const held = req.headers['if-none-match'];
  if (typeof held === 'string' && matchesIfNoneMatch(held, etag)) {
    res.statusCode = 304;
    res.removeHeader('Content-Encoding');
    res.end();
    return;
  }
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
}
