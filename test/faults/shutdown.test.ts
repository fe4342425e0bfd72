// Shutdown with PostHog refusing, hanging or draining slowly: the process exits within
// POSTHOG_SHUTDOWN_TIMEOUT_MS + 1 s, logs one line saying how many events were dropped, and
// prints no stack (docs/observability.md, "Shutdown"). Through the reference app that
// `npm start` runs (SIGTERM) and through runCli (a crash).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildResult, runTs } from '../cli/run-child.js';
import { type CaptureServer, closedPort, startCaptureServer } from '../helpers/capture-server.js';

const FIXTURE = 'test/faults/fixtures/shutdown-child.ts';
const BOUND_MS = 1_000;
/** More than one batch (posthog-node sends 100 at a time), fewer than its queue holds. */
const EVENTS = 500;
const DROPPED_LINE = /PostHog shutdown: (\d+) events? (?:was|were) dropped/g;
const STACK_FRAME = /\n\s+at /;

/**
 * A PostHog host that answers each batch after 400 ms: draining 500 events takes 2 s. It counts
 * events by their `uuid`: a batch posthog-node sends again after a timeout counts once.
 */
async function slowHost(): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  const seen = new Set<unknown>();
  let unnamed = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        try {
          const raw = Buffer.concat(chunks);
          const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          const body = JSON.parse(text.toString()) as { batch?: { uuid?: unknown }[] };
          for (const event of body.batch ?? []) {
            if (event?.uuid === undefined) unnamed += 1;
            else seen.add(event.uuid);
          }
        } catch {
          // Not a batch: nothing to count.
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}');
      }, 400);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => seen.size + unnamed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let hanging: CaptureServer;
let slow: Awaited<ReturnType<typeof slowHost>>;
let refusing: string;

beforeAll(async () => {
  hanging = await startCaptureServer({ mode: 'hang' });
  slow = await slowHost();
  refusing = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await hanging?.close();
  await slow?.close();
});

function env(host: string): Record<string, string> {
  return {
    POSTHOG_API_KEY: 'phc_shutdown',
    POSTHOG_HOST: host,
    POSTHOG_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
    NODE_ENV: 'development',
  };
}

/** The reference app: started, events queued, then SIGTERM once it says `ready`. */
function runApp(host: string): Promise<ChildResult & { signalAt: number }> {
  let signalAt = 0;
  return runTs(FIXTURE, ['app', String(EVENTS)], env(host), (child, result) => {
    child.stdout?.on('data', () => {
      if (signalAt === 0 && result.lineAt.has('ready')) {
        signalAt = result.lineAt.get('ready') ?? 0;
        child.kill('SIGTERM');
      }
    });
  }).then((result) => ({ ...result, signalAt }));
}

/** From the signal (or the crash) to the exit, on the child's own clock. */
function stopMs(result: ChildResult): number {
  const at = (what: string) =>
    Number(new RegExp(`^${what} at (\\d+)$`, 'm').exec(result.stdout)?.[1]);
  return at('exit') - at('signal');
}

/** The one line about dropped events, and the number it gives. */
function droppedLines(result: ChildResult): number[] {
  return [...`${result.stdout}\n${result.stderr}`.matchAll(DROPPED_LINE)].map((m) => Number(m[1]));
}

const HOSTS = [
  ['refusing connections', () => refusing, 'all'],
  ['accepting and never answering', () => hanging.url, 'all'],
  ['draining slowly', () => slow.url, 'some'],
] as const;

describe.each(HOSTS)('shutdown with PostHog %s', (_label, host, expected) => {
  it(`the reference app exits 0 within ${BOUND_MS} ms + 1 s of SIGTERM, with one line and no stack`, async () => {
    const before = slow.received();
    const result = await runApp(host());
    expect(result.signalAt, result.stderr).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    expect(stopMs(result), result.stdout).toBeLessThan(BOUND_MS + 1_000);
    const dropped = droppedLines(result);
    expect(dropped, result.stderr).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain('Error while flushing PostHog');
    if (expected === 'all') {
      expect(dropped[0]).toBe(EVENTS);
      return;
    }
    // Draining slowly: the line counts what PostHog had not confirmed at the deadline, so every
    // event that did not arrive is counted (no loss goes untold). It may count more: batches
    // in flight at the deadline, and the ones posthog-node still sends while the process exits,
    // can arrive without their answer reaching the app (seen: 200 such events on a loaded
    // machine). It never counts more than the events there were.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const arrived = slow.received() - before;
    expect(arrived).toBeGreaterThan(0);
    expect(dropped[0]).toBeGreaterThan(0);
    expect(arrived + (dropped[0] ?? 0)).toBeGreaterThanOrEqual(EVENTS);
    expect(dropped[0]).toBeLessThanOrEqual(EVENTS);
  }, 120_000);

  it(`runCli exits 1 within ${BOUND_MS} ms + 1 s of the crash, with one line and no stack`, async () => {
    const result = await runTs(FIXTURE, ['cli', String(EVENTS)], env(host()));
    expect(result.code, result.stderr).toBe(1);
    expect(stopMs(result), result.stdout).toBeLessThan(BOUND_MS + 1_000);
    const dropped = droppedLines(result);
    expect(dropped, result.stderr).toHaveLength(1);
    // The crash's own $exception is one more event.
    if (expected === 'all') expect(dropped[0]).toBe(EVENTS + 1);
    else expect(dropped[0]).toBeGreaterThan(0);
    expect(result.stderr).toContain('job failed');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).not.toContain('Error while flushing PostHog');
  }, 120_000);
});
