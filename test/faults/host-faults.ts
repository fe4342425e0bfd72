// Shared by the host-fault test files (split in two so vitest runs them on both workers).
// The PostHog host misbehaves while the app serves 10,000 requests that each capture an
// exception (docs/observability.md: SDK and network errors never reach the app, never flood the log).
// The app runs in a child process with --expose-gc (test/faults/fixtures/fault-server.ts).
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CaptureMode,
  type CaptureServer,
  closedPort,
  startCaptureServer,
} from '../helpers/capture-server.js';
import { type FaultServer, hammer, startFaultServer } from './helpers.js';

/** Per fault; FAULT_SUITE_REQUESTS lowers it on a slow CI box. */
const REQUESTS = Number(process.env.FAULT_SUITE_REQUESTS ?? 10_000);
const CONCURRENCY = 32;
const MARKER = 'data-express-posthog';
/** Heap after GC may exceed the baseline by this much: the SDK's full queue (≤ 1000 events) fits. */
const HEAP_SLACK = 24 * 1024 * 1024;

let capture: CaptureServer | undefined;
let app: FaultServer | undefined;

async function cleanUp() {
  await app?.stop();
  await capture?.close();
  app = undefined;
  capture = undefined;
}

async function hostFor(mode: 'refuse' | Exclude<CaptureMode, 'ok' | 401 | 'refuse'>) {
  if (mode === 'refuse') return `http://127.0.0.1:${await closedPort()}`;
  capture = await startCaptureServer({ mode });
  return capture.url;
}

/** Runs the suite for each host misbehaviour given, by label. */
export function describeHostFaults(
  faults: readonly (readonly [string, 'refuse' | 'hang' | 500 | 413])[],
): void {
  describe.each(faults)('with the PostHog host %s', (_label, mode) => {
    afterEach(cleanUp);
    it(`serves ${REQUESTS} capturing requests without a failure, a leak or an unbounded queue`, async () => {
      app = await startFaultServer(await hostFor(mode));
      // Warm up (JIT, lazy modules, the SDK's first flush attempts), then take the baseline.
      const warm = await hammer(`${app.url}/work`, { total: 200, concurrency: 8, expect: MARKER });
      expect(warm.failed).toBe(0);
      await app.mark();

      const result = await hammer(`${app.url}/work`, {
        total: REQUESTS,
        concurrency: CONCURRENCY,
        expect: MARKER,
      });
      const stats = await app.stats();
      const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
      console.log(
        `host ${mode}: statuses ${JSON.stringify(result.statuses)}, queue max ${stats.maxQueue}/${stats.maxQueueSize} (now ${stats.queue}), pending SDK promises ${stats.pendingPromises}, heap growth after GC ${mib(stats.heapGrowth)}, warn lines ${stats.warnLines}`,
      );

      // No request fails: every one is answered 200 with the page (and its snippet).
      expect(result.failed, result.firstFailure).toBe(0);
      expect(result.statuses).toEqual({ 200: REQUESTS });
      expect(result.unexpectedBodies).toBe(0);
      // Nothing escapes into the process.
      expect(stats.unhandledRejections).toBe(0);
      expect(stats.uncaughtExceptions).toBe(0);
      // The SDK queue stays within its bound, though 10,000 events were captured.
      expect(stats.maxQueueSize).toBe(1000);
      expect(stats.maxQueue).toBeLessThanOrEqual(stats.maxQueueSize);
      // Memory returns to the baseline (within the full queue's worth).
      expect(stats.heapGrowth).toBeLessThan(HEAP_SLACK);
      // The log is not flooded: rate-limited to a handful of lines, not one per request or flush.
      expect(stats.warnLines).toBeLessThanOrEqual(12);
      expect(stats.errorLines).toBe(0);
      // No listener piles up on the keep-alive sockets (each served ~300 requests).
      expect(stats.maxSocketListeners).toBeLessThan(20);
    }, 90_000);
  });
}
