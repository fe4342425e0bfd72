import { basename } from 'node:path';
import { inspect } from 'node:util';
import { getPosthog, type PosthogClient } from '../client/index.js';
import { classifyExit, INTERRUPTED_EXIT_CODE } from './exit-reason.js';
import { redactArgv } from './redact-argv.js';

/** What {@link runCli} hands to `main`. */
export interface CliContext {
  /** The arguments: `process.argv.slice(2)` unless `options.argv` was given. */
  readonly argv: readonly string[];
  /** Aborted on the first `SIGINT` or `SIGTERM`: pass it to the work you can cancel. */
  readonly signal: AbortSignal;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** The `command` property of a crash. @default the script's file name, `basename(process.argv[1])` */
  readonly name?: string;
  /** The arguments given to `main` and, redacted, sent as `argv`. @default process.argv.slice(2) */
  readonly argv?: readonly string[];
  /** The client to send with. @default getPosthog() */
  readonly client?: PosthogClient;
}

/** Exit code after `SIGTERM` (128 + 15). */
const TERMINATED_EXIT_CODE = 143;

/** Margin past the shutdown bound after which the process exits whatever is pending. */
const HARD_EXIT_MARGIN_MS = 250;

function printError(error: unknown): void {
  const text =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : inspect(error);
  process.stderr.write(`${text}\n`);
}

/**
 * Runs a command-line entry point (SPEC §10) and makes its crashes visible
 * in PostHog without ever holding the process hostage.
 *
 * - `main` returns (or resolves): queued events are flushed within
 *   `POSTHOG_SHUTDOWN_TIMEOUT_MS`; a returned integer becomes the exit code;
 *   the process then ends on its own. `main`'s promise should cover the
 *   command's whole work: events sent after it settles are dropped.
 * - `main` throws, or an uncaught exception or unhandled rejection happens
 *   while it runs: the error is printed to stderr and captured as `$exception`
 *   with `component: "cli"`, `command` and `argv` (joined, at most 512
 *   characters, secret-looking values redacted), flushed within the bound,
 *   and the process exits 1.
 * - Not captured: help and version (print and return; or throw an error with
 *   `exitCode: 0`, or Commander's `commander.helpDisplayed` /
 *   `commander.version` under `exitOverride()`), Commander usage errors (exit
 *   with their `exitCode`), an `AbortError` (exit 130), and `SIGINT` /
 *   `SIGTERM` (the context's `signal` is aborted, queued events are flushed
 *   within the bound, exit 130 / 143; a second signal exits at once).
 *
 * It never hangs: PostHog unreachable or hanging, the process exits at most
 * the shutdown bound (plus 250 ms) after the crash.
 *
 * @param main - the command; receives `{ argv, signal }`.
 * @param options - `name`, `argv`, `client`.
 * @returns a promise that settles when `main` succeeded and events were
 *   flushed; after a crash or a signal the process exits instead.
 * @example
 * #!/usr/bin/env node
 * import { runCli } from 'express-posthog';
 * import { program } from './program.js';
 *
 * runCli(async ({ argv }) => {
 *   program.exitOverride(); // help and version throw instead of calling process.exit
 *   await program.parseAsync(argv, { from: 'user' });
 * }, { name: 'reindex' });
 */
export async function runCli(
  main: (context: CliContext) => unknown,
  options: Readonly<RunCliOptions> = {},
): Promise<void> {
  const client = options.client ?? getPosthog();
  const argv = options.argv ?? process.argv.slice(2);
  const name = options.name ?? basename(process.argv[1] ?? 'cli');
  const bound = client.config.shutdownTimeoutMs;
  const controller = new AbortController();
  let ending = false;

  const exitAfterFlush = async (code: number): Promise<void> => {
    process.exitCode = code;
    // Held (not unref'd): the process stays up until it exits with `code`, and
    // exits even if the shutdown below misbehaves.
    const hardExit = setTimeout(() => process.exit(code), bound + HARD_EXIT_MARGIN_MS);
    await client.shutdown(bound);
    clearTimeout(hardExit);
    process.exit(code);
  };

  const onFailure = (error: unknown): void => {
    if (ending) return;
    ending = true;
    const reason = classifyExit(error);
    if (reason.kind === 'crash') printError(error);
    else if (reason.kind === 'abort') process.stderr.write(`${name}: aborted\n`);
    if (reason.capture) {
      client.captureException(error, {
        properties: { component: 'cli', command: name, argv: redactArgv(argv) },
      });
    }
    void exitAfterFlush(reason.exitCode);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGTERM' ? TERMINATED_EXIT_CODE : INTERRUPTED_EXIT_CODE;
    if (ending) process.exit(code);
    ending = true;
    controller.abort(new DOMException(`${name}: received ${signal}`, 'AbortError'));
    void exitAfterFlush(code);
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  const detach = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onFailure);
    process.off('unhandledRejection', onFailure);
  };

  let result: unknown;
  try {
    result = await main({ argv, signal: controller.signal });
  } catch (error) {
    onFailure(error);
    return new Promise<void>(() => {}); // the process is exiting
  }
  if (ending) return new Promise<void>(() => {});
  await client.shutdown(bound);
  detach();
  if (typeof result === 'number' && Number.isInteger(result)) process.exitCode = result;
}
