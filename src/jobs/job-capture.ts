import { getPosthog, type PosthogClient } from '../core/client/index.js';
import type { EventProperties } from '../core/client/sdk.js';
import { show } from '../core/config/parse.js';
import { warnerFor } from '../core/log/rate-limited.js';
import {
  checkOptionKeys,
  closestName,
  isPosthogClient,
  optionKeys,
} from '../core/options/options.js';

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

/** Options of {@link captureJobFailure}. */
export interface CaptureJobFailureOptions {
  /** The client to send with. @default getPosthog() */
  readonly client?: PosthogClient;
}

/** Options of {@link withJobCapture}. */
export interface WithJobCaptureOptions {
  /** The client to send with. @default getPosthog() */
  readonly client?: PosthogClient;
  /** `component` and other properties for the event, as for {@link captureJobFailure}. */
  readonly properties?: Readonly<Omit<JobFailureProperties, 'job'>>;
}

/** The options of {@link captureJobFailure}; any other key is refused. */
const CAPTURE_KEYS = optionKeys<CaptureJobFailureOptions>({ client: true });
/** The options of {@link withJobCapture}. */
const WITH_KEYS = optionKeys<WithJobCaptureOptions>({ client: true, properties: true });

/** Says a warning once per logger: a deprecation repeated per job would flood the log. */
function warnOnce(client: PosthogClient, key: string, message: string): void {
  warnerFor(client.config.logger).once(key, message);
}

/**
 * Takes a client out of the properties, where the positional era put it by
 * mistake (`{ job, client }`): it is used as the client, with a warning, and
 * never sent as an event property. A `client` that is not a client (a
 * customer's name) stays a property.
 */
function splitClient(
  properties: Readonly<Record<string, unknown>>,
  explicit: PosthogClient | undefined,
  call: string,
): { client: PosthogClient; rest: Record<string, unknown> } {
  const { client: inside, ...rest } = properties;
  if (!isPosthogClient(inside)) {
    return { client: explicit ?? getPosthog(), rest: { ...properties } };
  }
  const client = explicit ?? inside;
  warnOnce(
    client,
    `${call}:client-in-properties`,
    `${call}: \`client\` was given inside the event properties; it is not sent as a property and is used as the client${
      explicit ? ' only when no `client` option is given (one was, and it wins)' : ''
    }. Write ${call}(…, { client }) instead.`,
  );
  return { client, rest };
}

/**
 * Captures a background-job failure as `$exception` (docs/observability.md,
 * "Background jobs"), with `job`, `component` and your properties; `environment` and
 * `release` ride along as on every event. An error captured once (here, by
 * `runCli`, or by the error handler) is not captured again. Never throws once
 * called right (an unknown key in `options` is a `TypeError` naming the nearest
 * valid one, enabled or not); a no-op with PostHog off.
 *
 * This queues the event: a process that exits right after should
 * `await client.shutdown()` (or run under `runCli`, which does).
 *
 * The old form `captureJobFailure(error, properties, client)` still works and
 * logs one deprecation warning; a client put inside the properties is used
 * as the client, with a warning, and never sent as a property.
 *
 * @param error - what the job threw.
 * @param properties - `job` (required), `component` (default `"job"`), `distinctId`, others.
 * @param options - `client`. @default { client: getPosthog() }
 * @example
 * queue.on('failed', (job, error) => {
 *   captureJobFailure(error, { job: job.name, component: 'worker', queue: 'mail', attempt: job.attemptsMade });
 * });
 */
export function captureJobFailure(
  error: unknown,
  properties: Readonly<JobFailureProperties>,
  options?: Readonly<CaptureJobFailureOptions>,
): void;
/** @deprecated Pass the client in an options object: `captureJobFailure(error, properties, { client })`. */
export function captureJobFailure(
  error: unknown,
  properties: Readonly<JobFailureProperties>,
  client: PosthogClient,
): void;
export function captureJobFailure(
  error: unknown,
  properties: Readonly<JobFailureProperties>,
  options: Readonly<CaptureJobFailureOptions> | PosthogClient = {},
): void {
  let explicit: PosthogClient | undefined;
  if (isPosthogClient(options)) {
    explicit = options;
    warnOnce(
      options,
      'captureJobFailure:positional-client',
      'captureJobFailure(error, properties, client) is deprecated: write captureJobFailure(error, properties, { client }).',
    );
  } else if (typeof options === 'object' && options !== null) {
    checkOptionKeys(
      'captureJobFailure',
      'captureJobFailure(error, { job }, { client })',
      options,
      CAPTURE_KEYS,
    );
    explicit = isPosthogClient(options.client) ? options.client : undefined;
  }
  try {
    const given: Readonly<Record<string, unknown>> =
      typeof properties === 'object' && properties !== null ? properties : {};
    const { client, rest } = splitClient(given, explicit, 'captureJobFailure');
    const { distinctId, job, component, ...others } = rest;
    const jobName = typeof job === 'string' && job.trim() !== '' ? job : 'unknown';
    if (jobName !== job) {
      warnOnce(
        client,
        'captureJobFailure:job',
        `captureJobFailure: \`job\` must be a non-empty string naming the job, such as { job: 'send-digest' }, got ${show(job)}; the failure is sent with job "unknown".`,
      );
    }
    client.captureException(error, {
      ...(typeof distinctId === 'string' && distinctId !== '' ? { distinctId } : {}),
      properties: {
        ...others,
        job: jobName,
        component: typeof component === 'string' && component !== '' ? component : 'job',
      },
    });
  } catch {
    // A failure report must never fail the job runner; captureException itself never throws.
  }
}

/** Options, and the client, from `withJobCapture`'s new form or its old `(properties, client)` form. */
function readJobOptions(
  third: unknown,
  fourth: unknown,
): { client: PosthogClient | undefined; properties: Record<string, unknown> } {
  const record =
    typeof third === 'object' && third !== null ? (third as Record<string, unknown>) : {};
  const keys = Object.keys(record);
  const optionsForm = keys.every((key) => key === 'client' || key === 'properties');
  // The old form passes properties of any name here; a key a letter or a case away from an
  // option is a misspelt option, not a property.
  const misspelt = optionsForm
    ? []
    : keys.filter(
        (key) =>
          !(WITH_KEYS as readonly string[]).includes(key) &&
          closestName(key, WITH_KEYS) !== undefined,
      );
  if (misspelt.length > 0) {
    checkOptionKeys(
      'withJobCapture',
      "withJobCapture(job, fn, { properties: { component: 'worker' }, client })",
      Object.fromEntries(misspelt.map((key) => [key, record[key]])),
      WITH_KEYS,
    );
  }
  let client = isPosthogClient(fourth) ? fourth : undefined;
  let properties: Record<string, unknown>;
  if (optionsForm && !(keys.includes('client') && !isPosthogClient(record.client))) {
    client ??= isPosthogClient(record.client) ? record.client : undefined;
    const given = record.properties;
    properties = typeof given === 'object' && given !== null ? { ...given } : {};
  } else {
    properties = { ...record };
  }
  const deprecated = isPosthogClient(fourth) || !optionsForm;
  if (deprecated) {
    warnOnce(
      client ?? getPosthog(),
      'withJobCapture:positional',
      'withJobCapture(job, fn, properties, client) is deprecated: write withJobCapture(job, fn, { properties, client }).',
    );
  }
  return { client, properties };
}

/**
 * Runs one job, and when it throws (or its promise rejects) captures the
 * failure with {@link captureJobFailure} — with `job`, `component` (default
 * `"job"`), `job_duration_ms` and your properties — then re-throws the error
 * unchanged. Returns what the job returns.
 *
 * The old form `withJobCapture(job, fn, properties, client)` still works and
 * logs one deprecation warning; a key of `options` a letter or a case away from
 * `client` or `properties` is taken for a misspelt option and refused with a
 * `TypeError`, before the job runs.
 *
 * @param job - the job's name: the `job` property; a non-empty string.
 * @param fn - the job.
 * @param options - `client` and `properties` (`component` and others). @default {}
 * @throws TypeError before running anything when `job` is not a non-empty string or `fn` not a function.
 * @example
 * cron.schedule('0 * * * *', () =>
 *   withJobCapture('hourly-sync', () => syncAccounts(), { properties: { component: 'scheduler' } }),
 * );
 */
export async function withJobCapture<T>(
  job: string,
  fn: () => T | Promise<T>,
  options?: Readonly<WithJobCaptureOptions>,
): Promise<T>;
/**
 * @deprecated Pass properties and client in an options object:
 * `withJobCapture(job, fn, { properties, client })`.
 */
export async function withJobCapture<T>(
  job: string,
  fn: () => T | Promise<T>,
  properties: Readonly<Omit<JobFailureProperties, 'job'>>,
  client?: PosthogClient,
): Promise<T>;
export async function withJobCapture<T>(
  job: string,
  fn: () => T | Promise<T>,
  options: Readonly<WithJobCaptureOptions> | Readonly<Omit<JobFailureProperties, 'job'>> = {},
  ...legacy: [client?: PosthogClient]
): Promise<T> {
  if (typeof job !== 'string' || job.trim() === '') {
    throw new TypeError(
      `withJobCapture: the first argument must be the job's name, a non-empty string such as 'hourly-sync', got ${show(job)}.`,
    );
  }
  if (typeof fn !== 'function') {
    throw new TypeError(
      `withJobCapture: the second argument must be the job, a function, got ${typeof fn}. Write withJobCapture('${job}', () => runJob()).`,
    );
  }
  const { client, properties } = readJobOptions(options, legacy[0]);
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    const duration = Math.round(performance.now() - started);
    captureJobFailure(
      error,
      { job_duration_ms: duration, ...properties, job } as JobFailureProperties,
      client ? { client } : {},
    );
    throw error;
  }
}
