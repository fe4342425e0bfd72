import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleLikeDist } from './bundle.js';

/** The core the server under test runs on, and the core of the load generator and helpers. */
export const SERVER_CPU = '1';
export const LOAD_CPU = '0';

const TASKSET = '/usr/bin/taskset';

/**
 * Where {@link buildBench} puts the bundled servers and load generator (bench/.gitignore).
 * Inside the checkout, not under `node_modules/.cache`: a bundle finds `views/` by walking up
 * from its own real path, and a `node_modules` that is a symlink to another checkout's would
 * make it render that checkout's snippet (and share one build between checkouts).
 */
export const BUILD_DIR = 'bench/.build';

/** The bench's bundled entry points. */
export type BuiltScript = 'app' | 'capture-host' | 'load' | 'cost' | 'gate' | 'browser' | 'profile';

/** The bundled script of `name`. */
export function built(name: BuiltScript): string {
  return join(BUILD_DIR, `${name}.js`);
}

/**
 * Bundles the bench servers with the package's sources the way `tsup` builds `dist/`
 * (esbuild, node20, dependencies external), so that what runs is what users run. (Under
 * `tsx`, every named closure pays a `__name()` call that the published build does not.)
 */
export async function buildBench(): Promise<void> {
  await bundleLikeDist(
    {
      app: 'bench/servers/app.ts',
      'capture-host': 'bench/servers/capture-host.ts',
      load: 'bench/load.ts',
      cost: 'bench/cost.ts',
      gate: 'bench/gate.ts',
      browser: 'bench/browser.ts',
      profile: 'bench/profile.ts',
    },
    BUILD_DIR,
  );
}

/**
 * Runs the built script `name` once, pinned to the server core with node `flags` and `job` as
 * its JSON argument, and returns the one JSON line it prints (an in-process measurement).
 */
export async function runPinnedJob<T>(
  name: BuiltScript,
  flags: readonly string[],
  job: unknown,
  timeoutMs: number,
): Promise<T> {
  const child = spawnPinned(SERVER_CPU, [...flags, built(name), JSON.stringify(job)]);
  try {
    return await child.next<T>(timeoutMs);
  } finally {
    await child.stop();
  }
}

/** A long-lived child that speaks one JSON object per line on stdout. */
export interface JsonChild {
  readonly child: ChildProcess;
  /** The next JSON line, or a rejection when the child exits first or `timeoutMs` passes. */
  next<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  /** Sends one line on stdin. */
  send(line: string): void;
  /** Closes stdin, waits for the exit (kills the child by its pid after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `node <args>` pinned to `cpu` with `taskset`. */
export function spawnPinned(cpu: string, args: readonly string[]): JsonChild {
  const child = spawn(TASKSET, ['-c', cpu, process.execPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const queue: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let exited = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const wake = waiting.shift();
    if (wake) wake(line);
    else queue.push(line);
  });
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      for (const wake of waiting.splice(0)) wake(undefined);
      resolve();
    });
  });
  return {
    child,
    next<T>(timeoutMs = 60_000) {
      return new Promise<T>((resolve, reject) => {
        const take = (line: string | undefined) => {
          clearTimeout(timer);
          if (line === undefined) {
            reject(new Error(`${args.join(' ')} exited before answering.\n${stderr}`));
          } else resolve(JSON.parse(line) as T);
        };
        const timer = setTimeout(() => {
          const index = waiting.indexOf(take);
          if (index >= 0) waiting.splice(index, 1);
          reject(new Error(`${args.join(' ')} did not answer within ${timeoutMs} ms.\n${stderr}`));
        }, timeoutMs);
        const line = queue.shift();
        if (line !== undefined) take(line);
        else if (exited) take(undefined);
        else waiting.push(take);
      });
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    async stop(graceMs = 3_000) {
      if (exited) return;
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The one load generator process, pinned to the load core, started on first use. */
let generator: JsonChild | undefined;

/**
 * Runs one load job (see bench/load.ts) in the load generator, pinned to the load core;
 * resolves with its result. One job at a time. The process is kept between jobs: starting
 * Node and autocannon for each took longer than a smoke run's load.
 */
export async function runLoad<T>(job: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
  generator ??= spawnPinned(LOAD_CPU, [built('load')]);
  generator.send(JSON.stringify(job));
  const result = await generator.next<T & { error?: string }>(timeoutMs);
  if (result.error !== undefined) throw new Error(`load generator: ${result.error}`);
  return result;
}

/** Stops the load generator, if one was started. */
export async function stopLoadGenerator(): Promise<void> {
  const running = generator;
  generator = undefined;
  await running?.stop();
}
