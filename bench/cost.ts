// The CPU cost of one response, measured in process, started pinned by bench/run.ts:
//   node --expose-gc <bundle of this file> '<json: { rounds, pageBatch, jsonBatch, warmup, only? }>'
// It builds the bench app of every variant in this one process and sends each a real Node
// IncomingMessage / ServerResponse pair over a socket that discards what it is given, one
// request at a time, awaiting 'finish' (compression's zlib work included). Every round runs
// one batch per variant, the order rotated; a batch's figure is the process's CPU time
// (process.cpuUsage(), all threads) over the batch, divided by its requests.
//
// No network, no load generator, no scheduler between two processes: the variants alternate
// every fraction of a second in the same process, so the machine's neighbours weigh on each
// alike. It prints one JSON line: { [scenario]: { [variant]: number[] (µs per round) } }.
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { PosthogClient } from '../src/client/index.js';
import { loadConfig } from '../src/config/index.js';
import { rotate } from './lib/stats.js';
import { buildApp } from './servers/build-app.js';

interface CostJob {
  readonly rounds: number;
  readonly pageBatch: number;
  readonly jsonBatch: number;
  readonly warmup: number;
  /** Scenario name prefixes to run (e.g. ["2b."]); all when absent. */
  readonly only?: readonly string[];
}

/** What one response wrote to its socket, headers included. */
interface Sent {
  readonly status: number;
  readonly bytes: Buffer;
}

/** A socket that keeps what it is given when `keep` is set, else drops it. */
function nullSocket(keep?: Buffer[]): Socket {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      keep?.push(chunk);
      done();
    },
  }) as unknown as Socket;
}

/** Runs one GET through `app` with a real request/response pair; resolves on 'finish'. */
function inject(
  app: Express,
  path: string,
  headers: Record<string, string>,
  keep?: Buffer[],
): Promise<number> {
  const socket = nullSocket(keep);
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = path;
  req.headers = { host: 'bench.local', ...headers };
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve, reject) => {
    res.once('finish', () => resolve(res.statusCode));
    res.once('error', reject);
    app(req, res);
  });
}

async function sent(app: Express, path: string, headers: Record<string, string>): Promise<Sent> {
  const chunks: Buffer[] = [];
  const status = await inject(app, path, headers, chunks);
  return { status, bytes: Buffer.concat(chunks) };
}

/** A minor GC when run with `--expose-gc`, so that every batch starts with an empty young space. */
function collectYoung(): void {
  (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU µs per request over `count` sequential requests. */
async function batch(
  app: Express,
  path: string,
  headers: Record<string, string>,
  count: number,
): Promise<number> {
  collectYoung();
  const start = cpuMicros();
  for (let i = 0; i < count; i += 1) {
    const status = await inject(app, path, headers);
    if (status !== 200) throw new Error(`${path}: status ${status}`);
  }
  // The batch pays for the young garbage it left, not the next batch.
  collectYoung();
  return (cpuMicros() - start) / count;
}

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const BR = { 'accept-encoding': 'gzip, deflate, br' };
const MARKER = 'data-express-posthog';

/** The scenarios measured here: path, request headers, variants (the first is the baseline). */
const SCENARIOS = {
  '1. 30 KB page, br': {
    path: '/page',
    headers: { ...BROWSER, ...BR },
    variants: ['baseline', 'snippet', 'livereload', 'bytes'],
  },
  '1b. 30 KB page, identity': {
    path: '/page',
    headers: BROWSER,
    variants: ['baseline', 'snippet', 'livereload', 'bytes'],
  },
  '2. 1 KB JSON, application/json': {
    path: '/api/items',
    headers: { accept: 'application/json', ...BR },
    variants: ['absent', 'noop', 'snippet'],
  },
  '2b. 1 KB JSON, */*': {
    path: '/api/items',
    headers: { accept: '*/*', ...BR },
    variants: ['absent', 'noop', 'snippet'],
  },
} as const;

/** Checks, on the identity page (its body) and the JSON, that each variant sends what it should. */
async function verify(apps: Record<string, Express>): Promise<void> {
  const page = async (variant: string) => {
    const text = (await sent(apps[variant]!, '/page', BROWSER)).bytes.toString('latin1');
    return text.slice(text.indexOf('\r\n\r\n') + 4);
  };
  const injected = await page('snippet');
  const expectations: [string, boolean][] = [
    ['baseline', !(await page('baseline')).includes(MARKER)],
    ['snippet', injected.includes(MARKER)],
    ['livereload', (await page('livereload')).includes('livereload.js')],
    ['bytes', (await page('bytes')).length === injected.length],
  ];
  for (const variant of ['baseline', 'noop', 'snippet']) {
    for (const accept of ['application/json', '*/*']) {
      const json = await sent(apps[variant]!, '/api/items', { accept });
      const text = json.bytes.toString('latin1');
      expectations.push([`${variant} JSON (${accept})`, /\r\n\r\n\{"items"/.test(text)]);
    }
  }
  const wrong = expectations.filter(([, ok]) => !ok).map(([name]) => name);
  if (wrong.length > 0) throw new Error(`cost: unexpected response from ${wrong.join(', ')}`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as CostJob;
  // As in the servers: an enabled client whose host is a closed port; nothing is captured.
  const client = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_bench', host: 'http://127.0.0.1:9' }),
  });
  const apps: Record<string, Express> = {};
  for (const variant of ['baseline', 'snippet', 'livereload', 'bytes', 'noop']) {
    apps[variant] = buildApp({ variant, client });
  }
  apps.absent = apps.baseline!;
  await verify(apps);

  const result: Record<string, Record<string, number[]>> = {};
  for (const [scenario, { path, headers, variants }] of Object.entries(SCENARIOS)) {
    if (job.only && !job.only.some((prefix) => scenario.startsWith(prefix))) continue;
    const size = path === '/page' ? job.pageBatch : job.jsonBatch;
    for (const variant of variants) await batch(apps[variant]!, path, headers, job.warmup * size);
    const figures: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let round = 0; round < job.rounds; round += 1) {
      for (const variant of rotate(variants, round)) {
        figures[variant]!.push(await batch(apps[variant]!, path, headers, size));
      }
    }
    result[scenario] = figures;
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await client.shutdown(100);
}

await main();
