import { parseArgs } from 'node:util';
import type { Env } from '../core/config/types.js';
import { CHECK_EXIT, runCheck } from './check.js';
import type { CliContext } from './run-cli.js';

/** Options of {@link expressPosthogCommand}. */
export interface ExpressPosthogCommandOptions {
  /** Printed by `--version`. */
  readonly version: string;
  /** The environment `check` reads. @default process.env */
  readonly env?: Env;
}

/** The `--help` text. */
export const USAGE = `Usage: express-posthog <command> [options]

Commands:
  check               Print the resolved configuration (secrets masked), send one
                      test event, and report whether the host accepted it.

Options:
  --timeout <ms>      How long check waits for each answer of the host
                      (default: POSTHOG_SHUTDOWN_TIMEOUT_MS, 5000).
  --url <url>         Also load this page of the app, read from it how the
                      snippet is delivered, and report what its
                      Content-Security-Policy blocks of it, with the fix.
  -h, --help          Show this help.
  -v, --version       Show the version.

Exit codes of check: 0 ok, 2 not configured or bad usage, 3 key rejected,
4 host (or the --url page) unreachable or silent, 5 unexpected answer from
the host, 6 the --url page is not a page with the snippet, or its policy blocks it.`;

/**
 * The `express-posthog` command, as a `runCli` main: parses `argv`, prints
 * help or the version (exit 0, nothing captured), runs `check`, and returns
 * the exit code. A usage mistake prints the error and the help to stderr and
 * returns 2; it is not a crash.
 *
 * @example
 * runCli((context) => expressPosthogCommand(context, { version: '1.0.0' }), { name: 'express-posthog' });
 */
export async function expressPosthogCommand(
  { argv }: Pick<CliContext, 'argv'>,
  { version, env }: Readonly<ExpressPosthogCommandOptions>,
): Promise<number> {
  const usageError = (message: string) => {
    process.stderr.write(`express-posthog: ${message}\n\n${USAGE}\n`);
    return CHECK_EXIT.notConfigured;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) return usageError('missing command.');
  if (command !== 'check') return usageError(`unknown command "${command}".`);
  if (rest.length > 0) return usageError(`unexpected argument "${rest[0]}".`);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = /^\d+$/.test(values.timeout) ? Number(values.timeout) : Number.NaN;
    if (!(timeoutMs > 0)) {
      return usageError(
        `--timeout must be a positive number of milliseconds, got "${values.timeout}".`,
      );
    }
  }
  if (values.url !== undefined && !/^https?:\/\/[^\s]+$/i.test(values.url)) {
    return usageError(`--url must be an http(s) URL of a page of the app, got "${values.url}".`);
  }
  return runCheck({
    ...(env ? { env } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(values.url !== undefined ? { pageUrl: values.url } : {}),
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      timeout: { type: 'string' },
      url: { type: 'string' },
    },
  });
}
