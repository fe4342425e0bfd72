import livereload from 'connect-livereload';
import type { Express, NextFunction, Request, Response } from 'express';
import { type AppCase, browser, page, type RequestCase } from '../harness/app-case.js';
import { coreRoutes } from './core-routes.js';

/**
 * The `writeHead` forms a page may take, each then finishing through `end` (whole) or
 * `write` + `end` (streamed): behind a middleware that buffers the body and calls the `end`
 * it saved, each must arrive once, with an exact length.
 */
function writeHeadRoutes(app: Express): void {
  const body = (name: string) => page(name, `<p>writeHead form: ${name}</p>`);
  const length = (text: string) => String(Buffer.byteLength(text));
  app.get('/wh/status', (_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.writeHead(200);
    res.end(body('status only'));
  });
  app.get('/wh/reason', (_req, res) => {
    const text = body('status, reason and an object');
    res.writeHead(200, 'Fine', {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': length(text),
    });
    res.end(text);
  });
  app.get('/wh/object-stream', (_req, res) => {
    res.writeHead(201, { 'Content-Type': 'text/html; charset=utf-8', 'X-Form': 'object' });
    const text = body('an object, streamed');
    res.write(text.slice(0, 30));
    setImmediate(() => res.end(text.slice(30)));
  });
  app.get('/wh/raw-stream', (_req, res) => {
    res.writeHead(200, [
      'Content-Type',
      'text/html; charset=utf-8',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]);
    res.write(body('a raw array, streamed'));
    res.end();
  });
  app.get('/streamed', (_req, res) => {
    res.type('html');
    const text = body('implicit head, streamed');
    res.write(text.slice(0, 40));
    res.write(text.slice(40));
    res.end();
  });
}

/** The paths every buffering app is asked for. */
const BUFFERED_PATHS = [
  '/page',
  '/raw',
  '/partial',
  '/guarded',
  '/missing',
  '/boom',
  '/wh/status',
  '/wh/reason',
  '/wh/object-stream',
  '/wh/raw-stream',
  '/streamed',
];

/** A request to each route of {@link writeHeadRoutes} and the pages of the core routes. */
function bufferedRequests(encoding?: string, paths = BUFFERED_PATHS): readonly RequestCase[] {
  return [
    ...paths.map((path) => ({
      name: `GET ${path}`,
      steps: [{ path, headers: browser(encoding) }],
    })),
    { name: 'HEAD /page', steps: [{ method: 'HEAD', path: '/page', headers: browser(encoding) }] },
    { name: 'GET /api', steps: [{ path: '/api', headers: { Accept: 'application/json' } }] },
  ];
}

/**
 * A hand-written buffering wrapper of connect-livereload's shape: wraps `write` and `end`,
 * collects the body, edits it (`<body>` upper-cased), sets the length it measured, and
 * finishes with the `end` it saved.
 */
function bufferingWrapper(_req: Request, res: Response, next: NextFunction): void {
  const end = res.end;
  const chunks: Buffer[] = [];
  const collect = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : Buffer.from(chunk as Uint8Array),
    );
  };
  res.write = ((chunk: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    return true;
  }) as Response['write'];
  res.end = ((chunk?: unknown, encoding?: unknown) => {
    collect(chunk, encoding);
    const body = Buffer.from(
      Buffer.concat(chunks)
        .toString('latin1')
        .replace(/<body>/, '<BODY>'),
      'latin1',
    );
    if (!res.headersSent) res.setHeader('Content-Length', body.length);
    return (end as (chunk: unknown) => Response).call(res, body);
  }) as Response['end'];
  next();
}

/** connect-livereload (the dev-server injector) with its defaults. */
export const livereloadApp: AppCase = {
  name: 'connect-livereload',
  positioned(app) {
    app.use(livereload({ port: 35729 }));
  },
  routes(app) {
    writeHeadRoutes(app);
    coreRoutes(app);
  },
  // connect-livereload edits compressed bytes as text when it sits outside compression(), and
  // mangles a raw-array writeHead holding Content-Length: the app alone breaks on both, so
  // its pages are asked for uncompressed (as in development) and /raw is left out. It also
  // places its own script by the first chunk that matches one of its rules, and the chunks the
  // snippet held reach it joined, so on the two streamed pages its script moves (from after
  // the doctype to before </body>): a difference of its chunk-dependence, not of the page.
  requests: bufferedRequests(
    undefined,
    BUFFERED_PATHS.filter((path) => !['/raw', '/streamed', '/wh/object-stream'].includes(path)),
  ),
};

/** A hand-written wrapper of connect-livereload's shape (collect, edit, call the saved end). */
export const bufferingWrapperApp: AppCase = {
  name: 'a hand-written buffering wrapper',
  positioned(app) {
    app.use(bufferingWrapper);
  },
  routes(app) {
    writeHeadRoutes(app);
    coreRoutes(app);
  },
  requests: [
    ...bufferedRequests(),
    ...bufferedRequests('gzip').map((rc) => ({ ...rc, name: `${rc.name}, gzip` })),
  ],
};
