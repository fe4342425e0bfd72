import { type EventMessage, PostHog } from 'posthog-node';
import { sendsIp } from '../attribution/request-info.js';
import type { PosthogConfig } from '../config/types.js';
import { describeError } from '../errors/describe-error.js';
import { ipAddress } from '../http/client-address.js';
import { redactEvent } from '../redact/redact.js';

/** Properties sent with an event. */
export type EventProperties = Record<string, unknown>;

/**
 * The slice of the `posthog-node` client this package calls. Typed narrowly
 * so an older SDK (without `captureException` or `evaluateFlags`) still fits.
 */
export interface PosthogSdk {
  capture(message: { distinctId?: string; event: string; properties?: EventProperties }): void;
  captureException?: (error: unknown, distinctId?: string, properties?: EventProperties) => void;
  evaluateFlags?: (
    distinctId: string,
    options?: { flagKeys?: string[] },
  ) => Promise<{ isEnabled(key: string, options?: { defaultValue?: boolean }): boolean }>;
  isFeatureEnabled?: (key: string, distinctId: string) => Promise<boolean | undefined>;
  withContext?: <T>(
    data: { distinctId?: string; sessionId?: string; properties?: EventProperties },
    fn: () => T,
  ) => T;
  getContext?: () => { distinctId?: string; sessionId?: string } | undefined;
  on?: (event: 'error' | 'flush', listener: (payload: unknown) => void) => unknown;
  flush?: () => Promise<void>;
  shutdown(timeoutMs?: number): Promise<void>;
}

/** Per-request timeout for flag evaluation (docs/observability.md, "Feature flags (server)"). */
export const FLAG_TIMEOUT_MS = 2_000;

/**
 * Events the SDK holds while PostHog is unreachable; past it, the oldest is dropped.
 * posthog-node's own default is 10,000, and an `$exception` event with its stack frames and
 * source context weighs about 12 KB: 10,000 of them held 125 MiB of heap during an outage
 * (docs/performance.md). 1,000 bounds that near 12 MiB.
 */
export const MAX_QUEUE_SIZE = 1_000;

/** posthog-node's `fetch` option: how it makes its HTTP requests. */
export type SdkFetch = NonNullable<ConstructorParameters<typeof PostHog>[1]>['fetch'];

type SdkLogger = Record<
  'debug' | 'info' | 'warn' | 'error' | 'critical',
  (...args: unknown[]) => void
> & {
  createLogger(prefix: string): SdkLogger;
};

/** One line from the SDK's log arguments: strings as they are, errors by name and message. */
function line(args: unknown[]): string {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return arg;
      if (arg instanceof Error) return describeError(arg);
      try {
        return JSON.stringify(arg);
      } catch {
        return String(arg);
      }
    })
    .join(' ');
}

/** The SDK's internal logger, routed to the package's rate-limited warning. */
function routedLogger(warn: (message: string) => void): SdkLogger {
  const drop = () => {};
  const toWarn = (...args: unknown[]) => warn(`PostHog SDK: ${line(args)}`);
  const logger: SdkLogger = {
    debug: drop,
    info: drop,
    warn: toWarn,
    error: toWarn,
    critical: toWarn,
    createLogger: () => logger,
  };
  return logger;
}

/** The SDK internals this package reroutes so that they log through it, not `console`. */
interface SdkInternals {
  _logger?: SdkLogger;
  pendingFlushPromise?: unknown;
  flushBackground?: () => void;
  flushAutomatic?: () => Promise<void>;
  flush(): Promise<void>;
  /** Where posthog-node's shutdown waits for pending flushes; it rejects with their error. */
  promiseQueue?: { join?: () => Promise<void> };
  /** Events taken off the queue, sent or given up on. */
  _dequeuedMessagesCount?: number;
  getActiveQueueRoutes?: () => unknown[];
  getRouteQueue?: (route: unknown) => unknown[];
}

/** The builder posthog-node turns every thrown value into `$exception_list` with. */
interface ErrorPropertiesBuilder {
  buildFromUnknown?: (error: unknown, hint?: unknown) => unknown;
  [MARKING]?: true;
}

const MARKING = Symbol.for('express-posthog.marking-builder');

/**
 * Makes every error posthog-node captures through this SDK count as captured for the
 * package: `mark` is called with it as posthog-node builds its `$exception`. posthog-node's
 * own Express handler (`setupExpressErrorHandler`) builds it before it calls `next(err)` and
 * leaves no mark of its own, so without this `posthogErrorHandler` after it would send the
 * same error again. Only what this SDK version has is wrapped; never throws.
 *
 * @param sdk - the posthog-node client (the package's, or one the app passed in).
 * @param mark - records the error as captured (the client's mark).
 */
export function markWhatItCaptures(sdk: PosthogSdk, mark: (error: object) => void): void {
  try {
    const internals = sdk as unknown as { getErrorPropertiesBuilder?: () => unknown };
    const getBuilder = internals.getErrorPropertiesBuilder;
    if (typeof getBuilder !== 'function') return;
    internals.getErrorPropertiesBuilder = function markingBuilder() {
      const builder = getBuilder.call(sdk) as ErrorPropertiesBuilder | undefined;
      const build = builder?.buildFromUnknown;
      if (!builder || typeof build !== 'function' || builder[MARKING]) return builder;
      builder.buildFromUnknown = function buildAndMark(error: unknown, hint?: unknown) {
        const built = build.call(builder, error, hint);
        if ((typeof error === 'object' || typeof error === 'function') && error !== null) {
          mark(error);
        }
        return built;
      };
      builder[MARKING] = true;
      return builder;
    };
  } catch {
    // An SDK that cannot be wrapped: errors it captures are not marked.
  }
}

/**
 * How many events the SDK holds, not yet sent; `undefined` when this SDK version does not
 * say. Never throws.
 */
export function queuedEventCount(sdk: PosthogSdk): number | undefined {
  try {
    const internals = sdk as unknown as SdkInternals;
    if (!internals.getActiveQueueRoutes || !internals.getRouteQueue) return undefined;
    let count = 0;
    for (const route of internals.getActiveQueueRoutes()) {
      count += internals.getRouteQueue(route).length;
    }
    return count;
  } catch {
    return undefined;
  }
}

/** How many events the SDK has taken off its queue so far, sent or given up on (0 when it does not say). */
export function dequeuedEventCount(sdk: PosthogSdk): number {
  const count = (sdk as unknown as SdkInternals)._dequeuedMessagesCount;
  return typeof count === 'number' ? count : 0;
}

/** An error of the SDK talking to the host (network, HTTP status), by its class name. */
function isSdkFetchError(error: unknown): boolean {
  try {
    return error instanceof Error && /^PostHogFetch/.test(error.name || error.constructor.name);
  } catch {
    return false;
  }
}

/**
 * Sends the SDK's own log lines, and its background flush failures (which it
 * prints with `console.error` on every failed flush), to the package's
 * rate-limited warning instead: an unreachable host must not flood the log.
 * Only what this SDK version has is rerouted.
 */
function quietSdk(sdk: PostHog, warn: (message: string) => void): void {
  const internals = sdk as unknown as SdkInternals;
  if (internals._logger) internals._logger = routedLogger(warn);
  const flush = internals.flush;
  if (typeof flush === 'function') {
    // The host failing is reported here, once per flush and rate-limited; without this the
    // SDK prints a stack with console.error when the last flush at shutdown fails.
    internals.flush = function quietFlush() {
      return flush.call(sdk).catch((error: unknown) => {
        if (!isSdkFetchError(error)) throw error;
        warn(`PostHog flush failed: ${line([error])}`);
      });
    };
  }
  const queue = internals.promiseQueue;
  const join = queue?.join;
  if (queue && typeof join === 'function') {
    // posthog-node's shutdown first waits for the flushes in flight; one that failed on the
    // network makes it print the error's whole stack with console.error (logFlushError, which
    // no option reaches). The failure was reported where the flush ran; the shutdown goes on
    // to drain the queue within its bound.
    queue.join = function quietJoin() {
      return join.call(queue).catch((error: unknown) => {
        if (!isSdkFetchError(error)) throw error;
      });
    };
  }
  if (typeof internals.flushBackground === 'function') {
    const flushAutomatic = internals.flushAutomatic ?? flush;
    internals.flushBackground = function quietFlushBackground() {
      if (internals.pendingFlushPromise) return;
      flushAutomatic
        .call(sdk)
        .catch((error: unknown) => warn(`PostHog flush failed: ${line([error])}`));
    };
  }
}

/**
 * The request properties of an event as this package's rules want them,
 * whoever set them (this package, or posthog-node's own Express helpers
 * `setupExpressRequestContext` / `setupExpressErrorHandler`, which put the
 * raw `req.originalUrl` and `X-Forwarded-For` there): `$current_url`
 * absolute where the request context knows the absolute URL (the gate then
 * redacts it); `$ip` only in identify mode `full`,
 * an IPv4-mapped address (`::ffff:203.0.113.7`) unmapped as everywhere else.
 */
function requestRules(
  properties: EventProperties,
  context: { properties?: EventProperties } | undefined,
  config: PosthogConfig,
): EventProperties {
  const rewritten = { ...properties };
  const url = rewritten.$current_url;
  if (typeof url === 'string') {
    const known = context?.properties?.$current_url;
    const absolute =
      url.startsWith('/') && typeof known === 'string' && /^https?:\/\//.test(known)
        ? `${known.replace(/^(https?:\/\/[^/]+).*$/s, '$1')}${url}`
        : url;
    // Redacted by the gate that runs next, with every other string of the event.
    rewritten.$current_url = absolute;
  }
  if (!('$ip' in rewritten)) return rewritten;
  const ip = sendsIp(config.identifyPii) ? ipAddress(rewritten.$ip) : undefined;
  if (ip !== undefined) {
    // Only an address goes out: a list (a client-sent X-Forwarded-For) or junk is dropped.
    rewritten.$ip = ip;
    return rewritten;
  }
  const { $ip: _personal, ...withoutIp } = rewritten;
  return withoutIp;
}

/**
 * What posthog-node hands to `before_send`: the event about to be queued. The app's own
 * `beforeSend` (client option) gets it after the redaction gate.
 */
export type OutgoingEvent = EventMessage;

/** The app's last word on an event (client option `beforeSend`): change it, or drop it with `null`. */
export type BeforeSend = (event: OutgoingEvent) => OutgoingEvent | null;

/** Marks the gate's `before_send` step, so an SDK is gated once however many clients share it. */
const GATE_STEP = Symbol.for('express-posthog.redaction-gate');

/**
 * The redaction gate as a `before_send` step: the event with every string redacted; `null`
 * (dropped) when it cannot be read. `flags` is the SDK's own evaluation object, not data: it
 * passes as it is.
 */
function redactOutgoing(event: OutgoingEvent): OutgoingEvent | null {
  const { flags, ...data } = event;
  const redacted = redactEvent(data);
  if (redacted === null || typeof redacted !== 'object') return null;
  return flags === undefined ? redacted : { ...redacted, flags };
}

/** A `before_send` step carrying the gate's mark. */
function markedStep(step: BeforeSend): BeforeSend {
  return Object.assign(step, { [GATE_STEP]: true });
}

/** What posthog-node keeps of its options: it reads `before_send` from there for every event. */
interface SdkOptions {
  before_send?: unknown;
}

/**
 * Puts the redaction gate in front of the `before_send` of an SDK the app built (client option
 * `sdk`), so every event of that SDK passes it: what the package sends, what posthog-node builds
 * itself (`captureException`'s `$exception_list`, its Express helpers) and the app's own events.
 * The app's own `before_send` steps run after the gate, as the client option `beforeSend` does.
 * posthog-node keeps its options on `options` and reads `before_send` there for every event
 * (`_runBeforeSend`). An SDK gated already (built by the package, or shared by two clients) is
 * left as it is. Never throws.
 *
 * @returns true when every event of the SDK passes the gate; false for an SDK without
 *   posthog-node's options (or with a `before_send` that is not functions), whose events the
 *   caller must gate itself.
 * @example
 * const sdk = new PostHog(key, { host, before_send: (e) => e });
 * gateSdk(sdk); // true: before_send is now [gate, the app's step]
 */
export function gateSdk(sdk: PosthogSdk): boolean {
  try {
    const options = (sdk as unknown as { options?: SdkOptions }).options;
    if (typeof options !== 'object' || options === null) return false;
    const own = options.before_send;
    const steps: unknown[] =
      own === undefined || own === null ? [] : Array.isArray(own) ? own : [own];
    if (!steps.every((step) => typeof step === 'function')) return false;
    const gated = (steps as Partial<Record<typeof GATE_STEP, true>>[]).some(
      (step) => step[GATE_STEP] === true,
    );
    if (!gated) options.before_send = [markedStep(redactionGateStep), ...steps];
    // Read back: an options object that refused the write (frozen, a Proxy) is not gated.
    const now = options.before_send;
    return Array.isArray(now) && now.some((step) => step?.[GATE_STEP] === true);
  } catch {
    return false;
  }
}

/** The gate alone, for an SDK the app built: its events keep what the app put on them. */
function redactionGateStep(event: OutgoingEvent): OutgoingEvent | null {
  return event ? redactOutgoing(event) : event;
}

/**
 * Builds the real `posthog-node` client for an enabled config. `environment`
 * and `release` are added by `before_send`, so they ride on every event the
 * SDK sends, including the ones it builds itself (`captureException`) and
 * the ones posthog-node's own Express helpers send; `before_send` also
 * applies the request rules (`$current_url` absolute, `$ip` only in mode
 * `full`) and then runs the redaction gate on the whole event, the one place
 * every event of the client passes (docs/observability.md, "What is redacted").
 * The app's `beforeSend` runs after the gate. `readPostHogCookie` is on, so
 * posthog-node's own Express helpers read the posthog-js cookie on page navigations too.
 *
 * @param warn - where SDK errors go (rate-limited by the caller).
 * @param extras - `beforeSend`: the app's own step, after the gate; for the local inspector,
 *   how the SDK makes its HTTP requests (`fetch`, @default posthog-node's own, the global `fetch`)
 *   and how often it sends (`flushIntervalMs`, @default posthog-node's, 10 s).
 */
export function createSdk(
  config: PosthogConfig,
  warn: (message: string) => void,
  extras: {
    readonly fetch?: SdkFetch;
    readonly flushIntervalMs?: number;
    readonly beforeSend?: BeforeSend | undefined;
  } = {},
): PosthogSdk {
  const tags: EventProperties = { environment: config.environment };
  if (config.release !== undefined) tags.release = config.release;
  const steps: BeforeSend[] = [
    markedStep(function redactionGate(event) {
      if (!event) return event;
      const context = sdk.getContext() as { properties?: EventProperties } | undefined;
      const properties = requestRules({ ...tags, ...event.properties }, context, config);
      return redactOutgoing({ ...event, properties });
    }),
  ];
  if (extras.beforeSend) steps.push(extras.beforeSend);
  const sdk: PostHog = new PostHog(config.apiKey ?? '', {
    host: config.host,
    ...(config.secretKey !== undefined ? { secretKey: config.secretKey } : {}),
    featureFlagsRequestTimeoutMs: FLAG_TIMEOUT_MS,
    requestTimeout: 10_000,
    maxQueueSize: MAX_QUEUE_SIZE,
    readPostHogCookie: true,
    ...(extras.fetch ? { fetch: extras.fetch } : {}),
    ...(extras.flushIntervalMs !== undefined ? { flushInterval: extras.flushIntervalMs } : {}),
    before_send: steps,
  });
  quietSdk(sdk, warn);
  return sdk;
}
