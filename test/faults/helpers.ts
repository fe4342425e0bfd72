import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleLikeDist } from '../../bench/lib/bundle.js';

/** What test/faults/fixtures/fault-server.ts reports. */
export interface FaultServerStats {
  baseline: { heap: number; handles: number; processListeners: number; serverListeners: number };
  heap: number;
  heapGrowth: number;
  handles: number;
  processListeners: number;
  serverListeners: number;
  connections: number;
  maxQueue: number;
  queue: number;
  maxQueueSize: number;
  pendingPromises: number;
  maxSocketListeners: number;
  streamsStarted: number;
  streamsOpen: number;
  streamsEndedWithoutClose: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  warnLines: number;
  errorLines: number;
}

/** The fault-suite app, in a child process with `--expose-gc`, its client posting to `host`. */
export interface FaultServer {
  readonly url: string;
  /** Records the baseline (heap after GC, handles, listeners), then reports. */
  mark(): Promise<FaultServerStats>;
  stats(): Promise<FaultServerStats>;
  stop(): Promise<void>;
}

let bundled: Promise<string> | undefined;

/**
 * The fixture bundled the way `tsup` builds `dist/` (dependencies external), once per test
 * file. Under `tsx`, source maps are on and every `error.stack` the SDK reads goes through
 * source-map translation: captures cost several times what they cost in production.
 */
function bundleFixture(): Promise<string> {
  bundled ??= (async () => {
    // Three levels under the project, so that the bundle finds views/ as dist/ does.
    const outDir = join('node_modules/.cache', `express-posthog-faults-${process.pid}`);
    await bundleLikeDist({ 'fault-server': 'test/faults/fixtures/fault-server.ts' }, outDir);
    return join(outDir, 'fault-server.js');
  })();
  return bundled;
}

export async function startFaultServer(host: string): Promise<FaultServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', await bundleFixture(), host],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const line = await lines.next();
    if (line.done) throw new Error('the fault server exited');
    return JSON.parse(String(line.value)) as T;
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { port } = await next<{ port: number }>();
  const ask = (command: string) => {
    child.stdin!.write(`${command}\n`);
    return next<FaultServerStats>();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    mark: () => ask('mark'),
    stats: () => ask('stats'),
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What {@link hammer} saw. */
export interface HammerResult {
  /** Responses by status code. */
  statuses: Record<number, number>;
  /** Requests that failed outright (a reset, a timeout), with the first message. */
  failed: number;
  firstFailure?: string;
  /** 200 responses whose body lacked `expect`. */
  unexpectedBodies: number;
}

/**
 * Sends `total` GET requests to `url`, `concurrency` at a time, over keep-alive sockets;
 * each response must arrive within `timeoutMs`.
 */
export async function hammer(
  url: string,
  {
    total,
    concurrency,
    expect,
    timeoutMs = 10_000,
  }: {
    total: number;
    concurrency: number;
    expect: string;
    timeoutMs?: number;
  },
): Promise<HammerResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result: HammerResult = { statuses: {}, failed: 0, unexpectedBodies: 0 };
  let started = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const request = get(url, { agent, timeout: timeoutMs }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          result.statuses[status] = (result.statuses[status] ?? 0) + 1;
          if (status === 200 && !Buffer.concat(chunks).toString().includes(expect)) {
            result.unexpectedBodies += 1;
          }
          resolve();
        });
        res.on('error', fail);
      });
      function fail(error: Error) {
        result.failed += 1;
        result.firstFailure ??= error.message;
        resolve();
      }
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', fail);
    });
  const worker = async () => {
    while (started < total) {
      started += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return result;
}

/**
 * Opens `url` `times` times, `concurrency` at a time, each on its own socket, and aborts
 * each request as soon as the first bytes of the body arrive. Returns how many of those first
 * bytes carried `expect`.
 */
export async function abortMidStream(
  url: string,
  { times, concurrency, expect }: { times: number; concurrency: number; expect: string },
): Promise<{ aborted: number; withExpected: number; failedBeforeBody: number }> {
  const counts = { aborted: 0, withExpected: 0, failedBeforeBody: 0 };
  let started = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      let gotBody = false;
      const request = get(url, { agent: false }, (res) => {
        res.once('data', (chunk: Buffer) => {
          gotBody = true;
          if (chunk.toString('latin1').includes(expect)) counts.withExpected += 1;
          counts.aborted += 1;
          request.destroy();
        });
      });
      request.on('error', () => {
        // The abort itself may surface here after the first bytes; only an error before counts.
        if (!gotBody) counts.failedBeforeBody += 1;
      });
      request.on('close', () => resolve());
    });
  const worker = async () => {
    while (started < times) {
      started += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes; returns its last result. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let ok = await check();
  while (!ok && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ok = await check();
  }
  return ok;
}
