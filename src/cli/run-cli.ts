import { basename } from 'node:path';
import type { PosthogClient } from '../core/client/index.js';
import { toCapturable } from '../core/errors/capturable.js';
import { describeError, safeField } from '../core/errors/describe-error.js';
import { checkOptionKeys, clientOption, optionKeys } from '../core/options/options.js';
import { redactArgv } from '../core/redact/redact.js';
import { classifyExit, type ExitReason, INTERRUPTED_EXIT_CODE } from './exit-reason.js';

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

/** The options of {@link runCli}; any other key is refused. */
const OPTION_KEYS = optionKeys<RunCliOptions>({ name: true, argv: true, client: true });

/** Exit code after `SIGTERM` (128 + 15). */
const TERMINATED_EXIT_CODE = 143;

/** Margin past the shutdown bound after which the process exits whatever is pending. */
const HARD_EXIT_MARGIN_MS = 250;

/** What a crash is when the thrown value cannot even be classified. */
const CRASH: ExitReason = Object.freeze({ kind: 'crash', exitCode: 1, capture: true });

/** Prints a crash to stderr: the stack when it can be read, else a description. Never throws. */
function printError(error: unknown): void {
  const stack = safeField(error, 'stack');
  let text: string;
  try {
    text = typeof stack === 'string' && stack !== '' ? stack : describeError(error);
  } catch {
    text = 'a value that cannot be printed';
  }
  try {
    process.stderr.write(`${text}\n`);
  } catch {
    // stderr closed: the exit code still says it failed.
  }
}

/**
 * Runs a command-line entry point (docs/observability.md) and makes its crashes visible
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
 * Whatever `main` throws — `null`, a string, a circular object, an error
 * whose getters throw, a Proxy whose traps throw — the process exits 1
 * (unless the value reads as help, usage or abort). A value posthog-node
 * cannot read is captured as a `ThrownValue` error saying what was thrown.
 *
 * It never hangs: PostHog unreachable or hanging, the process exits at most
 * the shutdown bound (plus 250 ms) after the crash.
 *
 * @param main - the command; receives `{ argv, signal }`.
 * @param options - `name`, `argv`, `client`; an unknown key rejects with a
 *   `TypeError` naming the nearest valid one, before `main` runs.
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
  if (typeof options === 'object' && options !== null) {
    checkOptionKeys('runCli', "runCli(main, { name: 'reindex' })", options, OPTION_KEYS);
  }
  const client = clientOption('runCli', options.client)();
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
    try {
      await client.shutdown(bound);
    } catch {
      // The flush failed; the exit code is what matters now.
    } finally {
      clearTimeout(hardExit);
      process.exit(code);
    }
  };

  // Whatever was thrown, this ends the process: with 1 unless the value says
  // help, usage or abort. No read of the value may throw past it.
  const onFailure = (error: unknown): void => {
    if (ending) return;
    ending = true;
    process.exitCode = 1;
    let reason = CRASH;
    try {
      reason = classifyExit(error);
    } catch {
      reason = CRASH;
    }
    try {
      if (reason.kind === 'crash') printError(error);
      else if (reason.kind === 'abort') process.stderr.write(`${name}: aborted\n`);
      if (reason.capture) {
        // Kept although the client's gate redacts `argv` too: the line is cut at 512 characters,
        // and a cut made before redaction could keep the head of a secret (a token's first
        // characters) that the gate no longer recognises. The gate passes over the result unchanged.
        client.captureException(toCapturable(error, 'main'), {
          properties: { component: 'cli', command: name, argv: redactArgv(argv) },
        });
      }
    } catch {
      // Capturing is best effort; exiting is not.
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
