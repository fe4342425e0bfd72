/**
 * `express-posthog/cli`: a command-line entry point whose crash is captured
 * as `$exception` and flushed before exit (docs/observability.md, "Command-line
 * programs: `runCli`"), without loading Express, Nunjucks or the middlewares.
 *
 * @example
 * import { runCli } from 'express-posthog/cli';
 * runCli(async ({ argv }) => { await migrate(argv); });
 * @packageDocumentation
 */
export { type CliContext, type RunCliOptions, runCli } from '../cli/index.js';
export { getPosthog, PosthogClient, resetPosthog } from '../core/client/index.js';
export { loadConfig } from '../core/config/index.js';
