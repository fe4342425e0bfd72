/** Command-line entry points and the `express-posthog` operator command (docs/observability.md). */

export {
  CHECK_EVENT,
  CHECK_EXIT,
  type CheckOptions,
  describeConfig,
  maskSecret,
  runCheck,
} from './check.js';
export { type ExpressPosthogCommandOptions, expressPosthogCommand, USAGE } from './command.js';
export { classifyExit, type ExitReason, INTERRUPTED_EXIT_CODE } from './exit-reason.js';
export { type CliContext, type RunCliOptions, runCli } from './run-cli.js';
