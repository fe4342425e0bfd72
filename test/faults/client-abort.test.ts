// A client that aborts mid-stream, 1,000 times: the snippet middleware (behind compression)
// leaks no listener, socket or handle and throws nothing (docs/observability.md "Failure").
// The app runs in a child process with --expose-gc (test/faults/fixtures/fault-server.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/capture-server.js';
import { abortMidStream, eventually, type FaultServer, startFaultServer } from './helpers.js';

const ABORTS = 1_000;
const MARKER = 'data-express-posthog';

let app: FaultServer;

beforeAll(async () => {
  app = await startFaultServer(`http://127.0.0.1:${await closedPort()}`);
});
afterAll(() => app.stop());

describe('a client that aborts a streamed page mid-stream', () => {
  it(`leaks no listener, socket or handle over ${ABORTS} aborts, and throws nothing`, async () => {
    // Warm up, let the sockets of the warm-up close, then take the baseline.
    await abortMidStream(`${app.url}/stream`, { times: 20, concurrency: 4, expect: MARKER });
    await eventually(async () => {
      const s = await app.stats();
      return s.connections === 0 && s.streamsOpen === 0;
    });
    const before = await app.mark();

    const counts = await abortMidStream(`${app.url}/stream`, {
      times: ABORTS,
      concurrency: 8,
      expect: MARKER,
    });
    expect(counts.failedBeforeBody).toBe(0);
    expect(counts.aborted).toBe(ABORTS);
    // The first bytes carried the snippet: the middleware was in the path, not bypassed.
    expect(counts.withExpected).toBe(ABORTS);

    let after = await app.stats();
    const settled = await eventually(async () => {
      after = await app.stats();
      return after.connections === 0 && after.streamsOpen === 0;
    });
    console.log(
      `after ${ABORTS} aborts: connections ${after.connections}, open streams ${after.streamsOpen}, handles ${before.handles} → ${after.handles}, heap growth after GC ${(after.heapGrowth / 1024).toFixed(0)} KiB`,
    );
    expect(settled).toBe(true);
    // Every stream saw its close and stopped writing; none ran to its end.
    expect(after.streamsStarted - before.streamsStarted).toBe(ABORTS);
    expect(after.streamsEndedWithoutClose).toBe(0);
    // Sockets and handles back to the baseline; no listener left on the server or process.
    expect(after.connections).toBe(0);
    expect(after.handles).toBeLessThanOrEqual(before.handles);
    expect(after.serverListeners).toBe(before.serverListeners);
    expect(after.processListeners).toBe(before.processListeners);
    // Nothing thrown, nothing logged as an error, no memory kept per aborted response.
    expect(after.uncaughtExceptions).toBe(0);
    expect(after.unhandledRejections).toBe(0);
    expect(after.errorLines).toBe(0);
    expect(after.heapGrowth).toBeLessThan(8 * 1024 * 1024);
  }, 60_000);
});
