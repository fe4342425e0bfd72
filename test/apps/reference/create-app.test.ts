import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeUserCookie, encodeUserCookie } from '../../../src/apps/reference/demo-auth.js';
import { createApp } from '../../../src/apps/reference/index.js';
import { PosthogClient } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { enabledClient } from '../../helpers/client.js';
import { snippetCount, snippetIdentityOf } from '../../helpers/html.js';
import { recordingLogger } from '../../helpers/logger.js';

const { client } = enabledClient('http://127.0.0.1:9', { environment: 'test' });
afterAll(() => client.shutdown(50));

function loginCookie(res: request.Response): string {
  const cookie = String(res.headers['set-cookie']?.[0] ?? '');
  return cookie.split(';')[0] ?? '';
}

describe('createApp', () => {
  const app = createApp({ client, demoAuthSecret: 'test-secret' });

  it.each(['/', '/standalone', '/errors', '/flags', '/login', '/stream?rows=50'])(
    'serves %s as a full page with the snippet exactly once',
    async (path) => {
      const res = await request(app).get(path).set('Accept', 'text/html');
      expect(res.status).toBe(200);
      expect(snippetCount(res.text)).toBe(1);
    },
  );

  it('streams the large page in full', async () => {
    const res = await request(app).get('/stream?rows=5000');
    expect(res.text).toContain('row 5000 of the streamed page');
    expect(res.text.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('answers /api/health with JSON and no snippet', async () => {
    const res = await request(app).get('/api/health');
    expect(res.body).toEqual({ status: 'ok', posthog: 'on' });
  });

  it('answers an unknown path with an injected 404 page', async () => {
    const res = await request(app).get('/nope').set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(snippetCount(res.text)).toBe(1);
  });

  it('logs in with any name and email, and the snippet then carries the user', async () => {
    const login = await request(app)
      .post('/login')
      .type('form')
      .send({ name: 'Ada', email: 'ada@example.com' });
    expect(login.status).toBe(303);
    const cookie = loginCookie(login);
    expect(cookie).toMatch(/^demo_user=/);
    expect(String(login.headers['set-cookie']?.[0])).toMatch(/HttpOnly; SameSite=Lax/);
    const home = await request(app).get('/').set('Cookie', cookie);
    expect(home.text).toContain('Signed in as Ada');
    expect(snippetIdentityOf(home.text)).toEqual({
      state: 'user',
      id: 'ada@example.com',
      props: { user_id: 'ada@example.com', user_email: 'ada@example.com' },
    });
    const logout = await request(app).post('/logout').set('Cookie', cookie);
    expect(String(logout.headers['set-cookie']?.[0])).toContain('Max-Age=0');
  });

  it('rejects a login without an email', async () => {
    const res = await request(app).post('/login').type('form').send({ name: 'Ada', email: 'nope' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Give a name and an email address.');
  });

  it('ignores a forged login cookie', async () => {
    const forged = encodeUserCookie(
      { id: 'root', email: 'root@x.io', name: 'Root' },
      'another-secret',
    );
    const res = await request(app).get('/').set('Cookie', `demo_user=${forged}`);
    expect(res.text).not.toContain('Signed in as');
    expect(decodeUserCookie(forged, 'test-secret')).toBeUndefined();
    expect(
      decodeUserCookie(encodeUserCookie({ id: 'a', email: 'a@x.io', name: 'A' }, 's'), 's')?.id,
    ).toBe('a');
  });

  it('has no demo login in production', async () => {
    const production = new PosthogClient({
      config: loadConfig(
        {},
        {
          apiKey: 'phc_x',
          host: 'http://127.0.0.1:9',
          production: true,
          logger: recordingLogger(),
        },
      ),
    });
    const prodApp = createApp({ client: production });
    expect((await request(prodApp).get('/login')).status).toBe(404);
    expect(
      (await request(prodApp).post('/login').type('form').send({ name: 'A', email: 'a@x.io' }))
        .status,
    ).toBe(404);
    await production.shutdown(50);
  });

  it('answers a 500 with the HTML error page, without the message', async () => {
    const debugOff = createApp({
      client,
      before(a) {
        a.get('/explode', () => {
          throw new Error('secret internals');
        });
      },
    });
    const res = await request(debugOff).get('/explode').set('Accept', 'text/html');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toContain('secret internals');
    expect(snippetCount(res.text)).toBe(1);
  });
});

describe('createApp LLM page', () => {
  it('traces the demo generation as one $ai_generation that reaches the host', async () => {
    const { startCaptureServer } = await import('../../helpers/capture-server.js');
    const capture = await startCaptureServer();
    const traced = enabledClient(capture.url);
    const app = createApp({ client: traced.client });
    const res = await request(app).post('/llm').type('form').send({ prompt: 'hello' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('olleh');
    await traced.client.shutdown(2_000);
    const [event] = await capture.waitForEvents(1, (e) => e.event === '$ai_generation');
    expect(event?.properties).toMatchObject({
      $ai_provider: 'demo',
      $ai_model: 'echo-1',
      $ai_input_tokens: 2,
    });
    expect(event?.properties).not.toHaveProperty('$ai_input');
    await capture.close();
  });
});

describe('createApp against bad input and for a newcomer', () => {
  const app = createApp({ client, demoAuthSecret: 'test-secret' });

  it.each(['/', '/api/health', '/flags'])(
    'answers %s normally with a malformed demo_user cookie (%E0%A4%A)',
    async (path) => {
      const res = await request(app).get(path).set('Cookie', 'demo_user=%E0%A4%A; other=%ZZ');
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('Signed in as');
    },
  );

  it('guides from the home page: log in, throw an error, open the inspector', async () => {
    const { posthogInspector } = await import('../../../src/apps/inspector/index.js');
    const inspector = posthogInspector({ config: loadConfig({}, { logger: recordingLogger() }) });
    const withInspector = createApp({ client, inspector });
    const home = await request(withInspector).get('/').set('Accept', 'text/html');
    const guide = /<ol id="guide">([\s\S]*?)<\/ol>/.exec(home.text)?.[1] ?? '';
    expect(guide).toMatch(/href="\/login"[\s\S]*href="\/errors"[\s\S]*href="\/_inspector\/"/);
    expect(home.text).toMatch(/<p data-sensitive/);
  });

  it('shows the details and a link to the inspector on the 500 page with DEBUG on, and neither without', async () => {
    const { posthogInspector } = await import('../../../src/apps/inspector/index.js');
    const debugClient = enabledClient('http://127.0.0.1:9', { environment: 'test', debug: true });
    const inspector = posthogInspector({ config: loadConfig({}, { logger: recordingLogger() }) });
    const explode = (a: import('express').Express) =>
      a.get('/explode', () => {
        throw new TypeError('the <cart> is empty');
      });
    const debugApp = createApp({ client: debugClient.client, inspector, before: explode });
    const res = await request(debugApp).get('/explode').set('Accept', 'text/html');
    expect(res.status).toBe(500);
    expect(res.text).toContain('<strong>TypeError</strong>: the &lt;cart&gt; is empty');
    expect(res.text).toMatch(/<pre>TypeError: the &lt;cart&gt; is empty\n\s+at /);
    expect(res.text).toContain('href="/_inspector/?event=%24exception"');
    await debugClient.client.shutdown(50);
    const quiet = await request(createApp({ client, before: explode }))
      .get('/explode')
      .set('Accept', 'text/html');
    expect(quiet.text).not.toContain('the &lt;cart&gt; is empty');
    expect(quiet.text).not.toContain('inspector');
  });
});
