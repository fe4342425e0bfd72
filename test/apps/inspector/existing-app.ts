import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** An existing app (test/fixtures/apps/existing-app.ts) running in a child process. */
export interface ExistingApp {
  readonly url: string;
  readonly child: ChildProcess;
  /** What it printed so far, stdout and stderr, the `{"url":…}` line left out. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the existing app whose only PostHog addition for local use is
 * `app.use(posthogInspector())`, with the parent's environment minus every `POSTHOG_*`
 * variable and `NODE_ENV`, plus `env`.
 */
export async function startExistingApp(env: Record<string, string> = {}): Promise<ExistingApp> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('POSTHOG_') && name !== 'NODE_ENV',
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/apps/existing-app.ts'], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const out = () => `${stdout.replace(/^\{"url":"[^"]+"\}\n?/m, '')}${stderr}`;
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', () => {
      const line = /^\{"url":"([^"]+)"\}$/m.exec(stdout);
      if (line?.[1]) resolve(line[1]);
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}: ${out()}`)));
    setTimeout(
      () => reject(new Error(`the app did not start within 20 s: ${out()}`)),
      20_000,
    ).unref();
  });
  return {
    url,
    child,
    output: out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/** Polls the inspector's JSON until an event named `name` is there; fails with what is. */
export async function waitForInspected(
  url: string,
  name: string,
  timeoutMs = 20_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = (await (await fetch(`${url}/_inspector/api/events`)).json()) as {
      events: Record<string, any>[];
    };
    const found = listed.events.find((event) => event.event === name);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `no ${name} within ${timeoutMs} ms; the inspector holds ${JSON.stringify(listed.events.map((e) => e.event))}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
