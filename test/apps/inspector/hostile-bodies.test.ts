import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstLiveMessage } from './helpers.js';

// The inspector under hostile bodies, in its own process with a 256 MiB heap: every answer
// within 1 s, /api/health answering within 100 ms throughout, the ring within its bounds.
let child: ChildProcess;
let origin: string;
let stderr = '';

beforeAll(async () => {
  const server = fileURLToPath(new URL('./fixtures/hostile-server.ts', import.meta.url));
  child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', server], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'development', POSTHOG_API_KEY: '' },
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  origin = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
  });
}, 30_000);

afterAll(() => {
  child?.kill();
});

/** Polls /api/health every 10 ms until stopped; returns the slowest answer's time. */
function pollHealth() {
  let stop = false;
  let slowest = 0;
  let failures = 0;
  const done = (async () => {
    while (!stop) {
      const start = performance.now();
      try {
        const response = await fetch(`${origin}/api/health`);
        await response.json();
        if (response.status !== 200) failures += 1;
      } catch {
        failures += 1;
      }
      slowest = Math.max(slowest, performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    stop = true;
    await done;
    return { slowest, failures };
  };
}

async function timedPost(path: string, body: Uint8Array | string, headers = {}) {
  const start = performance.now();
  const response = await fetch(`${origin}/_inspector${path}`, {
    method: 'POST',
    body: body as BodyInit,
    headers,
  });
  const json = await response.json();
  return { status: response.status, json, ms: performance.now() - start };
}

/** 60 KiB of gzip that inflates to 60 MiB of `{},`, built without a 60 MiB string. */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (part: Buffer) => parts.push(part));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  const chunk = Buffer.from('{},'.repeat(1024 * 1024));
  gzip.write('[');
  for (let i = 0; i < 20; i += 1) gzip.write(chunk);
  gzip.end('{}]');
  await ended;
  return Buffer.concat(parts);
}

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const event = (name: string, inner = '{}') => `{"event":"${name}","properties":{"x":${inner}}}`;

describe('the inspector against hostile bodies, with a 256 MiB heap', () => {
  // Timings on a shared 2-core machine: a run descheduled by other processes is retried.
  it('answers each within 1 s, stores nothing of a refused body, and /api/health stays under 100 ms', {
    timeout: 60_000,
    retry: 2,
  }, async () => {
    // Built before the poller starts, in pieces: this process's own work must not count against the child.
    const bomb = await gzipBomb();
    expect(bomb.length).toBeLessThan(64 * 1024);
    const cases: [string, string, Uint8Array | string, Record<string, string>, number][] = [
      ['gzip inflating to 60 MiB of {},', '/e/', bomb, { 'content-type': 'text/plain' }, 413],
      ['depth 10,000', '/e/', event('deep', deep(10_000)), {}, 400],
      [
        'a batch with one 5,000-deep event between two good ones',
        '/batch/',
        `{"batch":[${event('good-1')},${event('deep', deep(5_000))},${event('good-2')}]}`,
        {},
        400,
      ],
      ['300,000 objects', '/e/', event('many', `[${'{},'.repeat(300_000)}{}]`), {}, 400],
      ['malformed base64', '/e/?compression=base64', 'data=%%%not-base64!!', {}, 400],
      ['malformed JSON', '/e/', '{"event":"half', {}, 400],
      ['malformed gzip', '/e/', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), {}, 400],
    ];
    const many = event('many', `[${'{},'.repeat(99_999)}{}]`);
    const nested = `[${Array.from({ length: 60 }, () => event('nested', `${'['.repeat(150)}"${'x'.repeat(7_700)}"${']'.repeat(150)}`)).join(',')}]`;
    // A running app has its code compiled: one ordinary batch first, outside the measurement.
    expect((await timedPost('/batch/', `{"batch":[${event('warm-up', '[{},{}]')}]}`)).status).toBe(
      200,
    );
    await fetch(`${origin}/_inspector/api/events`, { method: 'DELETE' });
    await fetch(`${origin}/api/loop/reset`, { method: 'POST' });
    const stopPolling = pollHealth();
    const results: string[] = [];
    for (const [label, path, body, headers, status] of cases) {
      const answer = await timedPost(path, body, headers);
      results.push(`${label}: ${answer.status} in ${answer.ms.toFixed(0)} ms`);
      expect(answer.status, label).toBe(status);
      expect(answer.json.type, label).toBe('validation_error');
      expect(answer.ms, label).toBeLessThan(1_000);
    }
    expect((await (await fetch(`${origin}/api/stats`)).json()).size).toBe(0);

    // Accepted, and large: 100,000 objects in one event, twenty times over; the ring keeps its bound.
    for (let i = 0; i < 20; i += 1) {
      const answer = await timedPost('/e/', many);
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(1_000);
      if (i === 0) results.push(`100,000 objects: ${answer.status} in ${answer.ms.toFixed(0)} ms`);
    }
    // Sixty 8 KB events nested 150 deep: the page's rows and one event's properties stay quick.
    expect((await timedPost('/e/', nested)).status).toBe(200);
    const start = performance.now();
    const listed = await (await fetch(`${origin}/_inspector/api/events?limit=1`)).json();
    const one = await (
      await fetch(`${origin}/_inspector/api/events/${listed.events[0].id}`)
    ).json();
    const viewMs = performance.now() - start;
    // What an open page gets on connect: the newest rows, whatever they hold.
    const pageStart = performance.now();
    const reset = await firstLiveMessage(`${origin}/_inspector/api/live`);
    const pageMs = performance.now() - pageStart;
    expect(reset.data.rows.length).toBeGreaterThan(60);
    expect(pageMs).toBeLessThan(1_000);
    expect(one.properties.length).toBeLessThanOrEqual(70_000);
    expect(viewMs).toBeLessThan(1_000);
    const { slowest, failures } = await stopPolling();
    const { maxMs: loopMs } = await (await fetch(`${origin}/api/loop`)).json();
    // Timings also measure the machine: with more runnable work than cores (other suites,
    // Chromium) every process is starved alike, so the bound widens and the log says so.
    const load = loadavg()[0] ?? 0;
    const busy = load > availableParallelism();
    const healthBound = busy ? 500 : 100;
    const stats = await (await fetch(`${origin}/api/stats`)).json();
    const health = await (await fetch(`${origin}/api/health`)).json();
    console.info(
      `hostile bodies, 256 MiB heap: ${results.join('; ')}; one event view ${viewMs.toFixed(0)} ms; the page's rows ${pageMs.toFixed(0)} ms; slowest /api/health ${slowest.toFixed(0)} ms (bound ${healthBound} ms, load ${load.toFixed(1)}); event loop held up ${loopMs.toFixed(0)} ms at most; ring ${stats.size} events, ${(stats.bytes / 1048576).toFixed(1)} of ${(stats.maxBytes / 1048576).toFixed(0)} MiB; heap ${health.heapMb} MiB`,
    );
    expect(failures).toBe(0);
    expect(loopMs).toBeLessThan(healthBound);
    expect(slowest).toBeLessThan(healthBound);
    expect(stats.bytes).toBeLessThanOrEqual(stats.maxBytes);
    expect(stats.size).toBeLessThanOrEqual(stats.capacity);
    expect(child.exitCode).toBeNull();
  });
});
