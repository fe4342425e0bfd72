import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { firstLiveMessage, post, serveInspector } from './helpers.js';

let site: Awaited<ReturnType<typeof serveInspector>>;
let base: string;

beforeAll(async () => {
  site = await serveInspector({ allowedHosts: ['dev.box', '.team.test'], maxLiveClients: 2 });
  base = `${site.url}/_inspector`;
});
afterAll(async () => {
  site.inspector.close();
  await site?.close();
});
beforeEach(() => site.inspector.store.clear());

/** A GET with a chosen `Host` header (fetch does not let a page set it; a rebinding page sends its own). */
function getWithHost(path: string, host: string): Promise<number> {
  const url = new URL(`${base}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port, path: url.pathname, headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the inspector answers only its own host names', () => {
  it.each([
    ['attacker.example:3000', 403],
    ['127.0.0.1.attacker.example', 403],
    ['localhost.attacker.example', 403],
    ['not a host!', 403],
    ['localhost:3000', 200],
    ['LOCALHOST.', 200],
    ['app.localhost:3000', 200],
    ['127.0.0.1:3000', 200],
    ['[::1]:3000', 200],
    ['dev.box:3000', 200],
    ['a.team.test', 200],
  ])('Host %j → %i on the events API', async (host, status) => {
    expect(await getWithHost('/api/events', host)).toBe(status);
  });

  it('refuses a rebinding page on the capture endpoints and the page too', async () => {
    expect(await getWithHost('/', 'attacker.example')).toBe(403);
    expect(await getWithHost('/api/live', 'attacker.example')).toBe(403);
  });
});

describe('the inspector page API', () => {
  it('answers 400, not 500, to a remote-config path that is not valid percent-encoding', async () => {
    const response = await fetch(`${base}/array/%ZZ/config.js`);
    expect(response.status).toBe(400);
    expect((await response.json()).detail).toMatch(/percent-encoding/);
  });

  it('sets, changes and removes a flag from the page, and /flags answers it', async () => {
    const set = (key: string, value: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/flags`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ key, value }),
      });
    expect((await set('new-checkout', true)).status).toBe(200);
    expect((await set('theme', 'dark')).status).toBe(200);
    const flags = await (await fetch(`${base}/flags/?v=2`, { method: 'POST', body: '{}' })).json();
    expect(flags.featureFlags).toEqual({ 'new-checkout': true, theme: 'dark' });
    expect((await set('new-checkout', null)).status).toBe(200);
    expect(site.inspector.flags()).toEqual({ theme: 'dark' });
    expect((await set('bad key<>', true)).status).toBe(400);
    expect((await set('x', true, { origin: 'http://attacker.example' })).status).toBe(403);
    expect((await set('x', true, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const form = await fetch(`${base}/api/flags`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=x&value=true',
    });
    expect(form.status).toBe(403);
    expect(site.inspector.flags()).toEqual({ theme: 'dark' });
    site.inspector.setFlags({});
  });

  it('streams a new event to an open page as it arrives', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/live`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const read = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
      }
    };
    await read(/event: reset/);
    await post(
      `${base}/e/`,
      JSON.stringify({ event: 'order placed', properties: { $session_id: 's' } }),
    );
    await read(/event: rows\ndata: .*order placed/);
    controller.abort();
  });

  it('answers 503 past maxLiveClients, naming the option', async () => {
    const open = [new AbortController(), new AbortController()];
    try {
      for (const controller of open) {
        const response = await fetch(`${base}/api/live`, { signal: controller.signal });
        expect(response.status).toBe(200);
      }
      const third = await fetch(`${base}/api/live`);
      expect(third.status).toBe(503);
      expect(await third.text()).toMatch(/maxLiveClients/);
    } finally {
      for (const controller of open) controller.abort();
    }
  });

  it("decodes a session's replay as posthog-js compresses it, for the player", async () => {
    // posthog-js gzips a full snapshot's data and a mutation's fields into latin-1 strings (cv 2024-10).
    const packed = (value: unknown) => gzipSync(JSON.stringify(value)).toString('latin1');
    const node = { type: 0, childNodes: [], id: 1 };
    const snapshot = {
      event: '$snapshot',
      properties: {
        $session_id: 'S-9',
        $snapshot_data: [
          { type: 4, data: { href: 'http://app/', width: 800, height: 600 }, timestamp: 1 },
          {
            type: 2,
            data: packed({ node, initialOffset: { top: 0, left: 0 } }),
            timestamp: 2,
            cv: '2024-10',
          },
          {
            type: 3,
            data: {
              source: 0,
              texts: packed([]),
              attributes: packed([]),
              removes: packed([]),
              adds: packed([{ parentId: 1 }]),
            },
            timestamp: 3,
            cv: '2024-10',
          },
          { type: 3, data: { source: 5, text: '***', id: 4 }, timestamp: 4 },
        ],
      },
    };
    expect((await post(`${base}/s/`, JSON.stringify([snapshot]))).status).toBe(200);
    const replay = await (await fetch(`${base}/api/replay?session=S-9`)).json();
    expect(replay.problems).toEqual([]);
    expect(replay.events.map((e: { type: number }) => e.type)).toEqual([4, 2, 3, 3]);
    expect(replay.events[1].data.node).toEqual(node);
    expect(replay.events[2].data.adds).toEqual([{ parentId: 1 }]);
    expect(replay.events[1]).not.toHaveProperty('cv');
    const reset = await firstLiveMessage(`${base}/api/live`);
    expect(reset.data.replays).toEqual({ 'S-9': 1 });
  });

  it('leaves out a replay part that is not gzip, and says so', async () => {
    const snapshot = {
      event: '$snapshot',
      properties: {
        $session_id: 'S-bad',
        $snapshot_data: [{ type: 2, data: 'not gzip at all', timestamp: 2, cv: '2024-10' }],
      },
    };
    await post(`${base}/s/`, JSON.stringify([snapshot]));
    const replay = await (await fetch(`${base}/api/replay?session=S-bad`)).json();
    expect(replay.events).toEqual([]);
    expect(replay.problems[0]).toMatch(/left out: the body is not valid gzip/);
  });

  it("serves one event's properties, cut, and rrweb-player first-party at a versioned path", async () => {
    await post(
      `${base}/e/`,
      JSON.stringify({ event: 'big', properties: { s: 'y'.repeat(200_000) } }),
    );
    const [event] = site.inspector.store.list();
    const one = await (await fetch(`${base}/api/events/${event?.id}`)).json();
    expect(one.properties.length).toBeLessThan(70_000);
    expect(one.properties).toMatch(/cut at 64000 characters/);
    const html = await (await fetch(`${base}/`)).text();
    const player = /data-player-script="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(player).toMatch(/^\/_inspector\/vendor\/rrweb-player@2\.1\.6\//);
    const script = await fetch(`${site.url}${player}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect(await script.text()).toContain('rrwebPlayer');
  });
});
