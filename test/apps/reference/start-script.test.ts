import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s script and collects what it prints until it exits or `until` matches. */
function runStart(env: Record<string, string>, until?: RegExp) {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    env: { ...process.env, POSTHOG_API_KEY: '', NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
    stop(): Promise<number | null>;
  }>((resolve) => {
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    const report = (code: number | null) => ({
      code,
      stdout,
      stderr,
      ms: performance.now() - started,
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (until?.test(stdout)) resolve(report(null));
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    exited.then((code) => resolve(report(code)));
  });
}

describe('npm start (scripts/start.mjs)', () => {
  it('starts from the sources without building type declarations, and stops on SIGTERM', async () => {
    const run = await runStart({ PORT: '0' }, /local inspector at (http:\/\/\S+)/);
    const url = /local inspector at (http:\/\/\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(run.stdout).toMatch(/express-posthog demo on http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout + run.stderr).not.toMatch(/tsup|DTS|Build start/);
    console.info(`npm start: ready in ${run.ms.toFixed(0)} ms`);
    expect(run.ms).toBeLessThan(8_000);
    expect((await fetch(url)).status).toBe(200);
    expect(await run.stop()).toBe(0);
  }, 20_000);

  it('says which PORT is busy and what to do, without a stack, and exits 1', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const run = await runStart({ PORT: String(port) });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
      expect(run.stderr).toMatch(/PORT=\d+ npm start/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      busy.close();
    }
  }, 20_000);
});
