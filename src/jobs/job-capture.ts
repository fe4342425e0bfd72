import { getPosthog, type PosthogClient } from '../client/index.js';
import type { EventProperties } from '../client/sdk.js';

/**
 * Properties of a job failure: the job's name, the component that runs it,
 * and any others you want on the `$exception` (queue, attempt, job id…).
 */
export interface JobFailureProperties extends EventProperties {
  /** The job's name, such as `"send-digest"`: the `job` property. */
  readonly job: string;
  /** What runs the job: `"scheduler"`, `"worker"`, `"cli"`…: the `component` property. @default "job" */
  readonly component?: string;
  /**
   * Who the failure belongs to, when the job runs for one user. Not sent as a
   * property. @default the SDK's context, else a personless id
   */
  readonly distinctId?: string;
}

/**
 * Captures a background-job failure as `$exception` (SPEC §10), with `job`,
 * `component` and your properties; `environment` and `release` ride along as
 * on every event. An error captured once (here, by `runCli`, or by the error
 * handler) is not captured again. Never throws; a no-op with PostHog off.
 *
 * This queues the event: a process that exits right after should
 * `await client.shutdown()` (or run under `runCli`, which does).
 *
 * @param error - what the job threw.
 * @param properties - `job` (required), `component` (default `"job"`), others.
 * @param client - the client to send with. @default getPosthog()
 * @example
 * queue.on('failed', (job, error) => {
 *   captureJobFailure(error, { job: job.name, component: 'worker', queue: 'mail', attempt: job.attemptsMade });
 * });
 */
export function captureJobFailure(
  error: unknown,
  properties: Readonly<JobFailureProperties>,
  client: PosthogClient = getPosthog(),
): void {
  const { distinctId, job, component = 'job', ...rest } = properties;
  client.captureException(error, {
    ...(distinctId ? { distinctId } : {}),
    properties: { ...rest, job, component },
  });
}

/**
 * Runs one job, and when it throws (or its promise rejects) captures the
 * failure with {@link captureJobFailure} — with `job`, `component` (default
 * `"job"`), `job_duration_ms` and your properties — then re-throws the error
 * unchanged. Returns what the job returns.
 *
 * @param job - the job's name: the `job` property.
 * @param fn - the job.
 * @param properties - `component` and other properties for the event.
 * @param client - the client to send with. @default getPosthog()
 * @example
 * cron.schedule('0 * * * *', () =>
 *   withJobCapture('hourly-sync', () => syncAccounts(), { component: 'scheduler' }),
 * );
 */
export async function withJobCapture<T>(
  job: string,
  fn: () => T | Promise<T>,
  properties: Readonly<Omit<JobFailureProperties, 'job'>> = {},
  client: PosthogClient = getPosthog(),
): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    const duration = Math.round(performance.now() - started);
    captureJobFailure(error, { job_duration_ms: duration, ...properties, job }, client);
    throw error;
  }
}
