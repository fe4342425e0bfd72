import { join } from 'node:path';
import { createProxyMiddleware } from 'http-proxy-middleware';
import multer from 'multer';
import {
  type AppCase,
  browser,
  page,
  type RequestCase,
  type StepSpec,
} from '../harness/app-case.js';

const ACCEPTS: Readonly<Record<string, Record<string, string>>> = {
  'no Accept': {},
  'Accept */*': { Accept: '*/*' },
  'Accept text/html': browser(),
};

/** A file fetched, then fetched again with validators, under every `Accept` form. */
function conditionals(
  what: string,
  path: string,
  extra: Partial<StepSpec>,
  forms: readonly (readonly ['own' | 'baseline', 'etag' | 'date'])[],
): RequestCase[] {
  const out: RequestCase[] = [];
  for (const [from, validator] of forms)
    for (const [accept, headers] of Object.entries(ACCEPTS))
      out.push({
        name: `${what} again with the ${from === 'own' ? "copy's own" : "baseline's"} ${validator === 'etag' ? 'ETag' : 'Last-Modified'} (${accept})`,
        steps: [{ path, headers, conditional: { from, send: [validator] }, ...extra }],
      });
  return out;
}

const viaStatic = { answeredByPositioned: true } as const;

/** serve-static (`express.static`) and `res.sendFile`: an .html and a .css file, with validators. */
export const staticApp: AppCase = {
  name: 'serve-static / res.sendFile',
  positioned(app, ctx) {
    app.use('/static', ctx.express.static(join(ctx.fixtures, 'static')));
  },
  routes(app, ctx) {
    app.get('/file', (_req, res) => res.sendFile(join(ctx.fixtures, 'static', 'page.html')));
    app.get('/file-css', (_req, res) => res.sendFile(join(ctx.fixtures, 'static', 'style.css')));
  },
  requests: [
    {
      name: 'static .html, gzip',
      steps: [{ path: '/static/page.html', headers: browser('gzip'), ...viaStatic }],
    },
    { name: 'static .html, no Accept', steps: [{ path: '/static/page.html', ...viaStatic }] },
    ...conditionals('static .html', '/static/page.html', viaStatic, [
      ['own', 'etag'],
      ['baseline', 'etag'],
      ['baseline', 'date'],
    ]),
    {
      name: 'static .css',
      steps: [
        { path: '/static/style.css', headers: { Accept: 'text/css,*/*;q=0.1' }, ...viaStatic },
      ],
    },
    ...conditionals('static .css', '/static/style.css', viaStatic, [
      ['baseline', 'etag'],
      ['baseline', 'date'],
    ]),
    { name: 'sendFile .html, gzip', steps: [{ path: '/file', headers: browser('gzip') }] },
    ...conditionals('sendFile .html', '/file', {}, [
      ['own', 'etag'],
      ['baseline', 'etag'],
      ['baseline', 'date'],
    ]),
    ...conditionals('sendFile .css', '/file-css', {}, [['baseline', 'etag']]),
  ],
};

const BOUNDARY = '----drop-in-boundary-7MA4YWxkTrZu0gW';

function multipart(): Buffer {
  return Buffer.from(
    [
      `--${BOUNDARY}`,
      'Content-Disposition: form-data; name="title"',
      '',
      'Holiday',
      `--${BOUNDARY}`,
      'Content-Disposition: form-data; name="upload"; filename="notes.txt"',
      'Content-Type: text/plain',
      '',
      'some notes, uploaded',
      `--${BOUNDARY}--`,
      '',
    ].join('\r\n'),
  );
}

const upload = {
  method: 'POST',
  path: '/upload',
  body: multipart(),
} as const;

/** multer: a multipart POST answered with an HTML page. */
export const multerApp: AppCase = {
  name: 'multer',
  routes(app) {
    const parse = multer({ storage: multer.memoryStorage() }).single('upload');
    app.post('/upload', parse, (req, res) => {
      const file = req.file;
      res.send(
        page(
          'Uploaded',
          `<p>${String(req.body?.title)}: ${file?.originalname} (${file?.size} bytes, ${file?.mimetype})</p>`,
        ),
      );
    });
  },
  requests: [
    {
      name: 'a multipart POST answered with a page, gzip',
      steps: [
        {
          ...upload,
          headers: browser('gzip', { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` }),
        },
      ],
    },
    {
      name: 'a multipart POST answered with a page, no Accept',
      steps: [
        { ...upload, headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } },
      ],
    },
  ],
};

const viaProxy = { answeredByPositioned: true } as const;

/** http-proxy-middleware to a loopback upstream that serves HTML with its own validators. */
export const proxyApp: AppCase = {
  name: 'http-proxy-middleware',
  positioned(app, ctx) {
    app.use('/proxy', createProxyMiddleware({ target: ctx.upstream }));
  },
  routes(app) {
    app.get('/local', (_req, res) => res.send(page('Local', '<p>not proxied</p>')));
  },
  requests: [
    {
      name: 'a proxied page, gzip',
      steps: [{ path: '/proxy/page', headers: browser('gzip'), ...viaProxy }],
    },
    {
      name: 'a proxied page with its Content-Length',
      steps: [{ path: '/proxy/page', headers: browser(), ...viaProxy }],
    },
    {
      name: "a proxied page again with the baseline's ETag",
      steps: [
        {
          path: '/proxy/page',
          headers: browser(),
          conditional: { from: 'baseline', send: ['etag'] },
          ...viaProxy,
        },
      ],
    },
    {
      name: "a proxied page again with the copy's own ETag",
      steps: [
        {
          path: '/proxy/page',
          headers: browser(),
          conditional: { from: 'own', send: ['etag'] },
          ...viaProxy,
        },
      ],
    },
    {
      name: 'a proxied fragment',
      steps: [
        { path: '/proxy/fragment', headers: { Accept: '*/*', 'HX-Request': 'true' }, ...viaProxy },
      ],
    },
    {
      name: 'a proxied stylesheet',
      steps: [{ path: '/proxy/style.css', headers: { Accept: 'text/css,*/*;q=0.1' }, ...viaProxy }],
    },
    { name: 'a local page', steps: [{ path: '/local', headers: browser('gzip') }] },
  ],
};
