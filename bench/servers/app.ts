// One benchmark server, started pinned by bench/run.ts:
//   node --expose-gc <bundle of this file> <scenario> <variant> [arg]   (see buildBench)
// It prints {"port": …} once listening; on each stdin line it prints its stats as one JSON line
// ({ rssBaseline, rssPeak, rssGrowth, queue, maxQueue, cpu }); on stdin end it exits.
//
// Scenarios and variants (the app itself is bench/servers/build-app.ts):
//   html    baseline | snippet | livereload | bytes | noop   the 30 KB page, the realistic
//                                                          page and the 1 KB JSON route
//   stream  baseline | snippet  <MiB>                       a streamed HTML page of <MiB> MiB
//   capture none | ok | hang | refuse <host>               a route that calls captureException
//   bundle  static | snippet                               the posthog-js bundle (jsSrc 'self')
//   browser baseline | inline | boot <host>                pages for Chromium, posthog-js from
//                                                          the app, events to <host>
import { createInterface } from 'node:readline';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { buildApp } from './build-app.js';
import { snippetAsInjected } from './snippet-text.js';

const [scenario = 'html', variant = 'baseline', arg = ''] = process.argv.slice(2);

// A real, enabled client. For `capture` and `browser` the host is the given one; for every
// other scenario it is a closed port and nothing is ever captured. The logger is the package's
// default (console), as an app would have it.
const client = new PosthogClient({
  config: loadConfig(
    {},
    {
      apiKey: 'phc_bench',
      host: scenario === 'capture' || scenario === 'browser' ? arg : 'http://127.0.0.1:9',
    },
  ),
});

const firstParty = scenario === 'bundle' || scenario === 'browser';
const app = buildApp({
  variant,
  client,
  ...(scenario === 'stream' && arg ? { streamMiB: Number(arg) } : {}),
  ...(firstParty ? { snippet: { jsSrc: 'self' } } : {}),
  ...(variant === 'bytes' ? { injected: await snippetAsInjected(client) } : {}),
  ...(scenario === 'browser' ? { counting: true } : {}),
});

/** The SDK's in-memory event queue (posthog-node keeps it under the persisted key "queue"). */
function queueLength(): number {
  const sdk = client.sdk as unknown as { getPersistedProperty?(key: string): unknown[] };
  return sdk?.getPersistedProperty?.('queue')?.length ?? 0;
}

/** CPU time of the whole process (all threads, zlib's pool included), in microseconds. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

let rssBaseline = 0;
let rssPeak = 0;
let maxQueue = 0;

const server = app.listen(0, '127.0.0.1', () => {
  (globalThis as { gc?: () => void }).gc?.();
  rssBaseline = process.memoryUsage.rss();
  rssPeak = rssBaseline;
  setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    maxQueue = Math.max(maxQueue, queueLength());
  }, 5).unref();
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});

const lines = createInterface({ input: process.stdin });
lines.on('line', () => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  process.stdout.write(
    `${JSON.stringify({ rssBaseline, rssPeak, rssGrowth: rssPeak - rssBaseline, queue: queueLength(), maxQueue, cpu: cpuMicros() })}\n`,
  );
});
lines.on('close', () => {
  server.closeAllConnections();
  server.close();
  void client.shutdown(100).finally(() => process.exit(0));
});
