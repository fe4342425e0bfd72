import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What a finished child process left behind. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When each stdout line first appeared, in ms since spawn. */
  lineAt: Map<string, number>;
  /** When the process exited, in ms since spawn. */
  exitAt: number;
}

/**
 * Runs a TypeScript file with `node --import tsx`, with the parent's
 * environment minus every `POSTHOG_*` variable, plus `env`.
 */
export function runTs(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  onSpawn?: (child: ChildProcess, result: ChildResult) => void,
): Promise<ChildResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('POSTHOG_')),
  );
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: ChildResult = {
    code: null,
    signal: null,
    stdout: '',
    stderr: '',
    lineAt: new Map(),
    exitAt: 0,
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    result.stdout += chunk;
    const now = performance.now() - started;
    for (const line of result.stdout.split('\n').slice(0, -1)) {
      if (!result.lineAt.has(line)) result.lineAt.set(line, now);
    }
  });
  child.stderr?.on('data', (chunk: string) => {
    result.stderr += chunk;
  });
  onSpawn?.(child, result);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      result.code = code;
      result.signal = signal;
      result.exitAt = performance.now() - started;
      resolve(result);
    });
  });
}
