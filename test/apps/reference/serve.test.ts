import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../helpers/capture-server.js';

let capture: CaptureServer | undefined;
afterEach(async () => {
  await capture?.close();
  capture = undefined;
});

function startApp(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/app-server.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: performance.now() })),
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ready = lines.next().then((line) => JSON.parse(String(line.value)) as { url: string });
  return { child, exited, ready, stderr: () => stderr };
}

describe('serveApp shutdown (npm start)', () => {
  it.each([
    ['answering', 'ok'],
    ['hanging', 'hang'],
  ] as const)(
    'on SIGTERM with the PostHog host %s: finishes the slow request, flushes, exits 0 within the bound',
    async (_label, mode) => {
      capture = await startCaptureServer({ mode });
      const bound = 1_500;
      const app = startApp({
        POSTHOG_API_KEY: 'phc_shutdown',
        POSTHOG_HOST: capture.url,
        POSTHOG_SHUTDOWN_TIMEOUT_MS: String(bound),
      });
      const { url } = await app.ready;
      const slow = fetch(`${url}/slow`).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalled = performance.now();
      app.child.kill('SIGTERM');
      const response = await slow;
      const { code, at } = await app.exited;
      expect(response).toEqual({ status: 200, text: 'slow done' });
      expect(code, app.stderr()).toBe(0);
      // the slow request needs ~0.7 s more; then the flush is bounded by `bound`
      expect(at - signalled).toBeLessThan(1_000 + bound + 1_500);
      if (mode === 'ok') {
        const events = await capture.waitForEvents(
          1,
          (e) => e.event === 'slow request served',
          2_000,
        );
        expect(events[0]?.distinct_id).toBe('shutdown-test');
      }
    },
    20_000,
  );

  it('refuses new connections once stopping', async () => {
    capture = await startCaptureServer();
    const app = startApp({ POSTHOG_API_KEY: 'phc_shutdown', POSTHOG_HOST: capture.url });
    const { url } = await app.ready;
    const slow = fetch(`${url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    app.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    expect((await slow).status).toBe(200);
    expect((await app.exited).code).toBe(0);
  }, 20_000);
});
