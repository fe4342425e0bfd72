import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express, Request, Response } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { snippetEtag, unmarkEtags } from '../../src/snippet/etag.js';
import { posthogSnippet } from '../../src/snippet/posthog-snippet.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { PAGE, SNIPPET_TAG, snippetCount } from '../helpers/html.js';

const { client } = enabledClient('http://127.0.0.1:9');
const dir = mkdtempSync(join(tmpdir(), 'snippet-validators-'));
writeFileSync(join(dir, 'page.html'), PAGE);
writeFileSync(join(dir, 'fragment.html'), '<div class="row">a fragment</div>');
for (const name of ['page.html', 'fragment.html']) utimesSync(join(dir, name), 1e9, 1e9);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await client.shutdown(100);
});

const FORM_ETAG = '"form-v1"';

describe.each(expressVersions)('validators at the edges, on $name', ({ express }) => {
  /** The same app with and without the snippet. */
  function pair() {
    const make = (withSnippet: boolean): Express => {
      const app = express();
      if (withSnippet) app.use(posthogSnippet({ client }));
      app.use('/static', express.static(dir));
      app.get('/form', (_req, res) => res.set('ETag', FORM_ETAG).send(PAGE));
      // An edit form's optimistic concurrency: the PUT must name the version it edited.
      app.put('/form', (req: Request, res: Response) => {
        if (req.get('If-Match') !== FORM_ETAG) return res.status(412).send('changed meanwhile');
        res.status(204).end();
      });
      app.get('/fragment', (_req, res) => res.type('html').send('<li>one row</li>'));
      // What the app itself is asked: the preconditions of a resumed download.
      app.get('/seen', (req, res) =>
        res.json({ ifRange: req.get('If-Range') ?? null, range: req.get('Range') ?? null }),
      );
      return app;
    };
    return { alone: make(false), withSnippet: make(true) };
  }

  it('lets If-Match with the ETag the page was served with through express.static, as the app alone', async () => {
    const { alone, withSnippet } = pair();
    const ownTag = (await request(alone).get('/static/page.html')).headers.etag as string;
    const served = await request(withSnippet).get('/static/page.html');
    const markedTag = served.headers.etag as string;
    expect(markedTag).not.toBe(ownTag);
    const base = await request(alone).get('/static/page.html').set('If-Match', ownTag);
    const got = await request(withSnippet).get('/static/page.html').set('If-Match', markedTag);
    expect(base.status).toBe(200);
    expect(got.status).toBe(200);
    expect(snippetCount(got.text)).toBe(1);
    expect(got.text.replace(SNIPPET_TAG, '')).toBe(base.text);
    // A tag the client never held still fails, as without the package.
    const stale = await request(withSnippet).get('/static/page.html').set('If-Match', '"stale"');
    expect(stale.status).toBe(412);
  });

  it.each([
    ['application/json', 'an API client'],
    ['text/html', 'a browser form'],
  ])(
    'lets an edit form’s PUT with the page’s ETag reach the app as its own tag (Accept %s, %s)',
    async (accept) => {
      const { alone, withSnippet } = pair();
      const markedTag = (await request(withSnippet).get('/form')).headers.etag as string;
      expect(markedTag).toMatch(/^"form-v1-ph[\w-]{10}"$/);
      const base = await request(alone)
        .put('/form')
        .set('Accept', accept)
        .set('If-Match', FORM_ETAG);
      const got = await request(withSnippet)
        .put('/form')
        .set('Accept', accept)
        .set('If-Match', markedTag);
      expect(base.status).toBe(204);
      expect(got.status).toBe(204);
      const stale = await request(withSnippet)
        .put('/form')
        .set('Accept', accept)
        .set('If-Match', '"form-v0"');
      expect(stale.status).toBe(412);
    },
  );

  it.each([
    ['an express.static fragment', '/static/fragment.html'],
    ['a fragment the app sends', '/fragment'],
  ])(
    'answers a conditional HEAD of %s with its GET’s validators 304, as the app alone',
    async (_what, path) => {
      const { alone, withSnippet } = pair();
      const baseGet = await request(alone).get(path);
      const get = await request(withSnippet).get(path);
      // A fragment takes no snippet: its GET keeps the app's validators.
      expect(get.headers.etag).toBe(baseGet.headers.etag);
      const conditional = (app: Express, tag: string) =>
        request(app).head(path).set('Accept', 'text/html').set('If-None-Match', tag);
      const base = await conditional(alone, baseGet.headers.etag as string);
      const got = await conditional(withSnippet, get.headers.etag as string);
      expect(base.status).toBe(304);
      expect(got.status).toBe(304);
    },
  );

  it('answers a Range with If-Range holding the page’s marked ETag with the whole page, never bytes of another body', async () => {
    const { withSnippet } = pair();
    const whole = await request(withSnippet).get('/static/page.html');
    const ranged = await request(withSnippet)
      .get('/static/page.html')
      .set('Range', 'bytes=0-9')
      .set('If-Range', whole.headers.etag as string);
    // A 206 of the app's body would hold bytes at other offsets than the page the client
    // holds: the whole page (with the same snippet) is the only right answer.
    expect(ranged.status).toBe(200);
    expect(ranged.text).toBe(whole.text);
  });

  it('hands If-Range holding a marked tag to the app as its own tag, and the app no Range to cut the page by', async () => {
    const { withSnippet } = pair();
    const marked = snippetEtag('"page-v1"', Buffer.from('<script></script>')) as string;
    const seen = await request(withSnippet)
      .get('/seen')
      .set('Range', 'bytes=0-9')
      .set('If-Range', marked);
    expect(seen.body).toEqual({ ifRange: '"page-v1"', range: null });
    // An If-Range the snippet never marked (a date, or the app's own tag) reaches the app as sent.
    for (const ifRange of ['"page-v1"', 'Sun, 06 Dec 2026 10:00:00 GMT']) {
      const untouched = await request(withSnippet)
        .get('/seen')
        .set('Range', 'bytes=0-9')
        .set('If-Range', ifRange);
      expect(untouched.body).toEqual({ ifRange, range: 'bytes=0-9' });
    }
  });

  it('answers a conditional HEAD of a page with its GET’s marked ETag 304', async () => {
    const { withSnippet } = pair();
    const get = await request(withSnippet).get('/static/page.html');
    const head = await request(withSnippet)
      .head('/static/page.html')
      .set('If-None-Match', get.headers.etag as string);
    expect(head.status).toBe(304);
  });
});

describe('unmarkEtags', () => {
  it('takes the snippet’s mark off every tag of a list and leaves the rest', () => {
    expect(unmarkEtags('"abc-ph1a2b3c4d5e", W/"x-phABCDEFGHIJ", "plain"')).toBe(
      '"abc", W/"x", "plain"',
    );
    expect(unmarkEtags('*')).toBe('*');
    expect(unmarkEtags('"ph-not-a-mark"')).toBe('"ph-not-a-mark"');
  });

  it('gives back the app’s own tag for any tag the snippet marked, strong or weak', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('"')),
        fc.boolean(),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (opaque, weak, snippet) => {
          const own = `${weak ? 'W/' : ''}"${opaque}"`;
          const marked = snippetEtag(own, snippet) as string;
          expect(unmarkEtags(marked)).toBe(own);
          expect(unmarkEtags(`${marked}, "other"`)).toBe(`${own}, "other"`);
        },
      ),
    );
  });
});
