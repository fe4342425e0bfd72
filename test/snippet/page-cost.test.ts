// The per-page cost of the snippet, counted rather than timed (docs/performance.md, "The
// per-page cost, counted"): what reaches the next writer (compression(), or Node) for one
// injected page, and how many bytes the middleware allocates for it. Every figure here is an
// operation count or a byte count of one deterministic code path: no clock, no load, no GC
// timing; a regression (a second copy of the body, a page split into several writes, an
// allocation per page that grows with the body) moves it by kilobytes, not by noise.
import compression from 'compression';
import type { Express, NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { snippetCount } from '../helpers/html.js';

const { client } = enabledClient('http://127.0.0.1:9');
afterAll(() => client.shutdown(100));

/** A server-rendered page of about 30 KB, as the bench's `/page` (a 200-row table). */
const ROWS = Array.from(
  { length: 300 },
  (_, i) =>
    `<tr><td>${i + 1}</td><td>Customer ${i + 1}</td><td>customer${i + 1}@example.com</td><td>team</td><td>${(i * 37.5).toFixed(2)}</td></tr>`,
).join('\n');
const HEAD =
  '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Dashboard</title>\n</head>\n';
const BODY = `<body>\n<table>\n${ROWS}\n</table>\n</body>\n</html>\n`;
const PAGE_30KB = HEAD + BODY;

/** One call the middleware made on the next writer. */
interface Call {
  readonly method: 'write' | 'end';
  readonly bytes: number;
}

/** The Buffer factories, counted while a page is made: every Buffer a middleware allocates. */
const FACTORIES = ['from', 'concat', 'alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;

/** What one page cost, as seen from outside the middleware under test. */
interface PageCost {
  readonly body: string;
  /** The calls that reached the next writer, in order. */
  readonly calls: readonly Call[];
  /** Bytes of the Buffers allocated through Buffer's factories, from the request to the last call. */
  readonly bufferBytes: number;
  /** Buffer.concat's calls in the same window. */
  readonly concats: number;
  /** With Node's own writer below: the server socket's writes, each with its chunks' count. */
  readonly socketWrites: readonly number[];
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/**
 * Counts, while `active()`, the bytes of every Buffer made through Buffer's factories and the
 * calls of Buffer.concat (a factory that calls another, as `from` calls `allocUnsafeSlow`,
 * counts once). Returns a function that puts the factories back.
 */
function countBuffers(active: () => boolean, tally: { bytes: number; concats: number }) {
  const originals = FACTORIES.map((name) => [name, Buffer[name]] as const);
  let depth = 0;
  for (const [name, original] of originals) {
    (Buffer as unknown as Record<string, unknown>)[name] = function counted(
      this: unknown,
      ...args: unknown[]
    ) {
      depth += 1;
      let made: Buffer;
      try {
        made = (original as (...a: unknown[]) => Buffer).apply(this, args);
      } finally {
        depth -= 1;
      }
      if (active() && depth === 0) {
        tally.bytes += made.length;
        if (name === 'concat') tally.concats += 1;
      }
      return made;
    };
  }
  return () => {
    for (const [name, original] of originals) {
      (Buffer as unknown as Record<string, unknown>)[name] = original;
    }
  };
}

/**
 * Records, on this response's socket, every write the socket makes (`_write` one chunk,
 * `_writev` several): several writes of a response under `cork()` make one `_writev`.
 */
function recordSocketWrites(res: Response, writes: number[]): void {
  const socket = res.socket as unknown as Record<string, (...args: unknown[]) => unknown>;
  const write = socket._write;
  const writev = socket._writev;
  if (write) {
    socket._write = function recordedSocketWrite(this: unknown, ...args: unknown[]) {
      writes.push(1);
      return write.apply(this, args);
    };
  }
  if (writev) {
    socket._writev = function recordedSocketWritev(this: unknown, ...args: unknown[]) {
      writes.push((args[0] as unknown[]).length);
      return writev.apply(this, args);
    };
  }
}

/**
 * Requests a page from an app of `express()` → `compression()` → a recorder of the calls that
 * reach `compression()` → `middleware` → `route`, and returns what it cost. With `below`
 * `node`, nothing sits below `middleware`: its next writer is Node's own, and the socket's
 * writes are recorded instead.
 */
async function pageCost(
  express: () => Express,
  middleware: (req: Request, res: Response, next: NextFunction) => void,
  route: (req: Request, res: Response) => void,
  encoding: string | undefined,
  below: 'compression' | 'node' = 'compression',
): Promise<PageCost> {
  const calls: Call[] = [];
  const socketWrites: number[] = [];
  const tally = { bytes: 0, concats: 0 };
  let counting = false;
  const app = express();
  app.use((_req, res, next) => {
    counting = true;
    if (below === 'node') {
      recordSocketWrites(res, socketWrites);
      res.once('finish', () => {
        counting = false;
      });
    }
    next();
  });
  if (below === 'compression') app.use(compression());
  app.use(function recorder(_req: Request, res: Response, next: NextFunction) {
    if (below === 'node') {
      next();
      return;
    }
    const write = res.write;
    const end = res.end;
    res.write = function recordedWrite(this: Response, ...args: unknown[]) {
      calls.push({ method: 'write', bytes: byteLength(args[0]) });
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as Response['write'];
    res.end = function recordedEnd(this: Response, ...args: unknown[]) {
      calls.push({ method: 'end', bytes: typeof args[0] === 'function' ? 0 : byteLength(args[0]) });
      counting = false;
      return (end as (...a: unknown[]) => Response).apply(this, args);
    } as Response['end'];
    next();
  });
  app.use(middleware);
  app.get('/page', route);
  const restore = countBuffers(() => counting, tally);
  try {
    const get = request(app).get('/page').set('Accept', 'text/html');
    const res = await (encoding ? get.set('Accept-Encoding', encoding) : get);
    expect(res.status).toBe(200);
    return {
      body: res.text,
      calls,
      bufferBytes: tally.bytes,
      concats: tally.concats,
      socketWrites,
    };
  } finally {
    restore();
  }
}

const noop = (_req: Request, _res: Response, next: NextFunction) => next();

describe.each(expressVersions)('the per-page cost of posthogSnippet on $name', ({ express }) => {
  const snippet = posthogSnippet({ client });

  it.each([
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['brotli', 'br'],
  ])('hands a page sent whole on to compression() as one end() (%s)', async (_name, encoding) => {
    const cost = await pageCost(express, snippet, (_req, res) => res.send(PAGE_30KB), encoding);
    expect(snippetCount(cost.body)).toBe(1);
    const injected = Buffer.byteLength(cost.body);
    expect(injected).toBeGreaterThan(PAGE_30KB.length);
    expect(cost.calls).toEqual([{ method: 'end', bytes: injected }]);
  });

  it('hands a page sent whole to Node as views in one writev, with no copy of the page', async () => {
    const route = (_req: Request, res: Response) => res.send(PAGE_30KB);
    // Warm up both paths once (module-level caches, the snippet's first render).
    await pageCost(express, snippet, route, 'identity', 'node');
    const bare = await pageCost(express, noop, route, 'identity', 'node');
    const injected = await pageCost(express, snippet, route, 'identity', 'node');
    expect(injected.body).toBe(
      PAGE_30KB.replace('</head>', `${snippetText(injected.body)}</head>`),
    );
    // One writev, as the bare page's head and body are one: with the page up to </head>, the
    // snippet and the rest in place of the page's one chunk.
    expect(bare.socketWrites).toHaveLength(1);
    expect(injected.socketWrites).toEqual([(bare.socketWrites[0] ?? 0) + 2]);
    // Views of the app's Buffer around the snippet: no join, no Buffer of the page's size.
    expect(injected.concats - bare.concats).toBe(0);
    expect(injected.bufferBytes - bare.bufferBytes).toBeLessThanOrEqual(PER_PAGE_BUFFER_SLACK);
  });

  it('hands a streamed page on in as many writes as the app made', async () => {
    const cost = await pageCost(
      express,
      snippet,
      (_req, res) => {
        res.type('html');
        res.write(HEAD.slice(0, 40));
        res.write(HEAD.slice(40));
        res.write(BODY.slice(0, 10_000));
        res.end(BODY.slice(10_000));
      },
      'gzip',
    );
    expect(snippetCount(cost.body)).toBe(1);
    // The first two writes are held until </head> shows in the second; they leave as one.
    expect(cost.calls.map((call) => call.method)).toEqual(['write', 'write', 'end']);
    expect(cost.calls.reduce((sum, call) => sum + call.bytes, 0)).toBe(
      Buffer.byteLength(cost.body),
    );
  });

  it('allocates at most one copy of a 30 KB page sent whole to a compressor', async () => {
    const route = (_req: Request, res: Response) => res.send(PAGE_30KB);
    await pageCost(express, snippet, route, 'gzip');
    const bare = await pageCost(express, noop, route, 'gzip');
    const injected = await pageCost(express, snippet, route, 'gzip');
    const page = Buffer.byteLength(injected.body);
    const beyond = injected.bufferBytes - bare.bufferBytes;
    // One copy that joins the pieces around the snippet, so that the compressor gets one
    // end() (one job, cheaper than three; see docs/performance.md); zlib's output buffers
    // (16 KB each) for the longer page are counted too.
    expect(injected.concats - bare.concats).toBe(1);
    expect(beyond).toBeLessThanOrEqual(2 * page + PER_PAGE_BUFFER_SLACK);
    expect(beyond).toBeGreaterThan(0);
  });

  it.each([
    ['a page', '/page', 'text/html'],
    ['a JSON response to Accept: */*', '/json', '*/*'],
  ])(
    'keeps no WeakMap value keyed by the response once it has ended (%s)',
    async (_name, path, accept) => {
      // State kept in a WeakMap keyed by the response, whose value reaches the response again
      // (the request, the wrappers of compression()), cost about 10 µs of GC per response
      // (docs/performance.md, "The per-page cost, profiled and cut"): the adapter keeps its
      // state in the wrappers' closures, and the one entry it makes (for the shared
      // flushHeaders) holds no value once the response has ended. Every WeakMap.set keyed by
      // the response is recorded, then asked what it still holds for it.
      const maps: WeakMap<object, unknown>[] = [];
      const responses: object[] = [];
      const set = WeakMap.prototype.set;
      WeakMap.prototype.set = function recordedSet(
        this: WeakMap<object, unknown>,
        key: object,
        value: unknown,
      ) {
        if (responses.includes(key)) maps.push(this);
        return set.call(this, key, value);
      };
      const app = express();
      app.use((_req, res, next) => {
        responses.push(res);
        next();
      });
      app.use(compression());
      app.use(snippet);
      app.get('/page', (_req, res) => res.send(PAGE_30KB));
      app.get('/json', (_req, res) => res.json({ ok: true }));
      try {
        const res = await request(app).get(path).set('Accept', accept);
        expect(res.status).toBe(200);
      } finally {
        WeakMap.prototype.set = set;
      }
      expect(responses).toHaveLength(1);
      const [response] = responses as [object];
      expect(maps.filter((map) => map.get(response) !== undefined)).toEqual([]);
    },
  );

  it.each([
    ['a page', 'text/html', '<!doctype html><html><head></head><body>x</body></html>'],
    ['a JSON response to Accept: */*', '*/*', '{"ok":true}'],
  ])(
    'adds no own property to a response behind compression() (%s)',
    async (_name, accept, body) => {
      // Every own property added to an Express response builds a hidden class for it alone
      // (1.5–2 KB of heap each; docs/performance.md, "The per-page cost, cut"): the adapter only
      // replaces the ones compression() and on-headers made own already.
      const keys: { before?: PropertyKey[]; after?: PropertyKey[] } = {};
      const app = express();
      app.use(compression());
      app.use((_req, res, next) => {
        keys.before = Reflect.ownKeys(res);
        next();
      });
      app.use(snippet);
      app.use((_req, res, next) => {
        keys.after = Reflect.ownKeys(res);
        next();
      });
      app.get('/page', (_req, res) => {
        res.type(accept === '*/*' ? 'json' : 'html').send(body);
      });
      const res = await request(app).get('/page').set('Accept', accept);
      expect(res.status).toBe(200);
      expect(keys.before?.length).toBeGreaterThan(0);
      expect(keys.after).toEqual(keys.before);
    },
  );
});

/** The snippet's tag as spliced into `body` (from its opening to the first `</script>`). */
function snippetText(body: string): string {
  const start = body.indexOf('<script data-express-posthog');
  return body.slice(start, body.indexOf('</script>', start) + '</script>'.length);
}

/** Buffer bytes a page may cost beyond the ones of its body (headers, the tag). */
const PER_PAGE_BUFFER_SLACK = 2048;
