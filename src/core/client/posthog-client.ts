import { requestAttribution } from '../attribution/attribution.js';
import { visitorConsents } from '../attribution/consent.js';
import { browserIds, type RequestLike, requestProperties } from '../attribution/request-info.js';
import { getRequestUser } from '../attribution/request-user.js';
import { loadConfig } from '../config/index.js';
import { optionKeys, refuseUnknownKeys } from '../config/option-rules.js';
import { show } from '../config/parse.js';
import type { PosthogConfig } from '../config/types.js';
import { toCapturable } from '../errors/capturable.js';
import { describeError } from '../errors/describe-error.js';
import { rateLimitedWarn } from '../log/rate-limited.js';
import { redactEvent } from '../redact/redact.js';
import {
  type BeforeSend,
  createSdk,
  dequeuedEventCount,
  type EventProperties,
  FLAG_TIMEOUT_MS,
  gateSdk,
  markWhatItCaptures,
  type PosthogSdk,
  queuedEventCount,
} from './sdk.js';
import { TIMED_OUT, withTimeout } from './with-timeout.js';

/** Options of {@link PosthogClient}. */
export interface PosthogClientOptions {
  /** The configuration. @default loadConfig() */
  readonly config?: PosthogConfig;
  /**
   * An existing `posthog-node` client to use instead of building one. Ignored
   * when the config is disabled. The redaction gate is put in front of its own `before_send`
   * (docs/observability.md, "What is redacted"): every event of that SDK passes it, the app's
   * own included, and the app's `before_send` runs after it.
   */
  readonly sdk?: PosthogSdk;
  /**
   * The app's last word on every event of the client, run after the redaction gate
   * (docs/observability.md, "What is redacted"): return the event, changed or not, or `null`
   * to drop it. It sees the event already redacted, so it cannot undo the redaction. Used
   * when the package builds the SDK (not with `sdk`).
   * @example
   * new PosthogClient({ beforeSend: (event) => (event.event === 'noise' ? null : event) });
   */
  readonly beforeSend?: BeforeSend;
}

/** The options the constructor takes; any other key is refused. */
const CLIENT_OPTION_KEYS = optionKeys<PosthogClientOptions>({
  config: true,
  sdk: true,
  beforeSend: true,
});

/** Options of {@link PosthogClient.captureException}. */
export interface CaptureExceptionOptions {
  /**
   * The request being served: adds `path`, `method`, `request_id`, PostHog's
   * standard request properties, the user and the browser's ids.
   */
  readonly request?: RequestLike;
  /** Who the event belongs to; wins over the request's user. */
  readonly distinctId?: string;
  /** Extra properties; they win over the computed ones. */
  readonly properties?: EventProperties;
}

/** Options of {@link PosthogClient.capture}. */
export interface CaptureOptions {
  readonly event: string;
  readonly distinctId?: string;
  readonly properties?: EventProperties;
}

/** Errors this process captured (also those that could not carry the mark). */
const CAPTURED = new WeakSet<object>();

/**
 * The property posthog-node's own Express error handler (`setupExpressErrorHandler`)
 * and its `captureException` check to skip an error already captured.
 */
export const PREVIOUSLY_CAPTURED = '__posthog_previously_captured_error';

/** Marks an error the way posthog-node recognises; a frozen or hostile object keeps only the WeakSet entry. */
function markCaptured(error: object): void {
  CAPTURED.add(error);
  try {
    Object.defineProperty(error, PREVIOUSLY_CAPTURED, {
      value: true,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  } catch {
    // A frozen error, a Proxy that refuses: the WeakSet still stops a second capture here.
  }
}

/** True when the error carries posthog-node's mark; false for an object that cannot be asked. */
function carriesMark(error: object): boolean {
  try {
    return (error as Record<string, unknown>)[PREVIOUSLY_CAPTURED] === true;
  } catch {
    return false;
  }
}

/**
 * The package's PostHog client (docs/observability.md, "Server events"): a thin, never-throwing layer over
 * `posthog-node`. Disabled (no `POSTHOG_API_KEY`), it constructs nothing and
 * every method is a cheap no-op.
 *
 * @example
 * const posthog = new PosthogClient({ config: loadConfig() });
 * posthog.captureException(new Error('boom'), { request: req });
 * await posthog.shutdown();
 */
export class PosthogClient {
  /** The configuration this client was built from. */
  readonly config: PosthogConfig;
  /** The underlying `posthog-node` client; `undefined` when disabled. */
  readonly sdk: PosthogSdk | undefined;
  readonly #warn: (message: string) => void;
  /**
   * True when the SDK came from the caller and its `before_send` could not take the gate (it is
   * not posthog-node): the gate runs here on what this client hands it, and `captureException`
   * sends the `$exception` it builds itself, since the SDK's own would leave ungated.
   */
  readonly #gated: boolean;
  #shutdown: Promise<void> | undefined;
  /** Set once `shutdown()` starts: the SDK's own lines give way to the one line it logs. */
  #closing = false;

  /**
   * @param options - `config` (@default loadConfig()) and `sdk`; an unknown key throws a
   *   `TypeError` naming the nearest valid one.
   */
  constructor(options: Readonly<PosthogClientOptions> = {}) {
    if (typeof options === 'object' && options !== null) {
      refuseUnknownKeys('new PosthogClient', options, CLIENT_OPTION_KEYS);
    }
    const { config = loadConfig(), sdk, beforeSend } = options;
    if (beforeSend !== undefined && typeof beforeSend !== 'function') {
      throw new TypeError(
        `new PosthogClient: \`beforeSend\` must be a function, got ${show(beforeSend)}. Pass a function such as (event) => event.`,
      );
    }
    this.config = config;
    this.#gated = false;
    this.#warn = rateLimitedWarn(config.logger);
    if (!config.enabled) return;
    const sdkWarn = (message: string) => {
      if (!this.#closing) this.#warn(message);
    };
    try {
      this.sdk = sdk ?? createSdk(config, sdkWarn, { beforeSend });
      this.#gated = sdk !== undefined && !gateSdk(sdk);
      markWhatItCaptures(this.sdk, markCaptured);
      this.sdk.on?.('error', (error) => sdkWarn(`PostHog SDK error: ${describeError(error)}`));
    } catch (error) {
      this.sdk = undefined;
      this.#warn(`could not start posthog-node, events are off: ${describeError(error)}`);
    }
  }

  /** True when PostHog is on and the SDK was built. */
  get enabled(): boolean {
    return this.sdk !== undefined;
  }

  /** Sends one event. Never throws. */
  capture({ event, distinctId, properties }: CaptureOptions): void {
    const sdk = this.sdk;
    if (!sdk) return;
    try {
      const sent = this.#gated ? redactEvent({ ...properties }) : { ...properties };
      sdk.capture({ event, properties: sent, ...(distinctId ? { distinctId } : {}) });
    } catch (error) {
      this.#warn(`could not capture ${event}: ${describeError(error)}`);
    }
  }

  /**
   * Captures an error as `$exception` with the request's context and the
   * user's properties as the identify mode allows. An error captured once is
   * not captured again. Never throws.
   */
  captureException(error: unknown, options: CaptureExceptionOptions = {}): void {
    const sdk = this.sdk;
    if (!sdk) return;
    if (this.wasCaptured(error)) return;
    const target = typeof error === 'object' && error !== null ? error : undefined;
    if (target) CAPTURED.add(target);
    try {
      const { distinctId, properties } = this.#exceptionContext(options);
      const readable = toCapturable(error);
      if (typeof sdk.captureException === 'function' && !this.#gated) {
        sdk.captureException(readable, distinctId, properties);
      } else {
        const fallback: EventProperties = {
          $exception_type: readable instanceof Error ? readable.name : typeof readable,
          $exception_message:
            readable instanceof Error ? readable.message : describeError(readable),
          ...properties,
        };
        sdk.capture({
          event: '$exception',
          ...(distinctId ? { distinctId } : {}),
          properties: this.#gated ? redactEvent(fallback) : fallback,
        });
      }
      // Marked after the SDK took it: posthog-node's own captureException skips marked errors.
      if (target) markCaptured(target);
    } catch (failure) {
      this.#warn(`could not capture an exception: ${describeError(failure)}`);
    }
  }

  /**
   * True when this error was captured already: by {@link captureException}
   * (of this or another copy of the package), or by anything else that marks
   * errors the way posthog-node does (`__posthog_previously_captured_error`).
   */
  wasCaptured(error: unknown): boolean {
    if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return false;
    return CAPTURED.has(error) || carriesMark(error);
  }

  #exceptionContext({ request, distinctId, properties }: CaptureExceptionOptions): {
    distinctId: string | undefined;
    properties: EventProperties;
  } {
    const mode = this.config.identifyPii;
    if (!request) {
      // No browser (a job, a CLI): the operator's consent mode alone decides.
      const consented = visitorConsents(this.config.consent, undefined, this.config.apiKey);
      return { distinctId: consented ? distinctId : undefined, properties: { ...properties } };
    }
    const attribution = requestAttribution({
      request,
      user: getRequestUser(request),
      mode,
      browser: browserIds(request.headers, this.config.apiKey),
      consent: this.config.consent,
      apiKey: this.config.apiKey,
    });
    return {
      // Without the visitor's consent, not even a distinct id the caller names.
      distinctId: attribution.consented ? (distinctId ?? attribution.distinctId) : undefined,
      properties: { ...attribution.properties, ...requestProperties(request), ...properties },
    };
  }

  /**
   * Whether a flag is on for a user. `undefined`, an error, or no answer
   * within 2 s gives `defaultValue`. Uses `evaluateFlags` where the SDK has
   * it, `isFeatureEnabled` otherwise.
   */
  async isFeatureEnabled(key: string, distinctId: string, defaultValue = false): Promise<boolean> {
    const sdk = this.sdk;
    if (!sdk) return defaultValue;
    try {
      const pending: Promise<boolean | undefined> =
        typeof sdk.evaluateFlags === 'function'
          ? sdk
              .evaluateFlags(distinctId, { flagKeys: [key] })
              .then((flags) => flags.isEnabled(key, { defaultValue }))
          : (sdk.isFeatureEnabled?.(key, distinctId) ?? Promise.resolve(undefined));
      const result = await withTimeout(pending, FLAG_TIMEOUT_MS);
      if (result === TIMED_OUT) {
        this.#warn(
          `flag ${JSON.stringify(key)} took over ${FLAG_TIMEOUT_MS} ms; using ${defaultValue}`,
        );
        return defaultValue;
      }
      return typeof result === 'boolean' ? result : defaultValue;
    } catch (error) {
      this.#warn(
        `flag ${JSON.stringify(key)} failed (${describeError(error)}); using ${defaultValue}`,
      );
      return defaultValue;
    }
  }

  /**
   * Runs `fn` inside the SDK's request context, so every capture during it is
   * attributed. Disabled, it just runs `fn`.
   */
  withContext<T>(
    data: { distinctId?: string; sessionId?: string; properties?: EventProperties },
    fn: () => T,
  ): T {
    const sdk = this.sdk;
    if (!sdk?.withContext) return fn();
    // An SDK without the gate in its before_send merges these into its events ungated.
    const properties = this.#gated && data.properties ? redactEvent(data.properties) : undefined;
    return sdk.withContext(properties ? { ...data, properties } : data, fn);
  }

  /**
   * Sends what is queued now, within `timeoutMs`. Never throws. For jobs and
   * scripts that must not end before their events leave.
   *
   * @param timeoutMs - upper bound. @default config.shutdownTimeoutMs
   */
  async flush(timeoutMs: number = this.config.shutdownTimeoutMs): Promise<void> {
    const sdk = this.sdk;
    if (!sdk?.flush) return;
    const flushing = Promise.resolve()
      .then(() => sdk.flush?.())
      .catch((error: unknown) => this.#warn(`PostHog flush failed: ${describeError(error)}`));
    if ((await withTimeout(flushing, timeoutMs)) === TIMED_OUT) {
      this.#warn(`PostHog did not flush within ${timeoutMs} ms; events stay queued`);
    }
  }

  /**
   * Flushes what is queued and stops the SDK, within `timeoutMs`: it resolves by then
   * whatever PostHog does (refusing, hanging, draining slowly). When events could not be
   * sent, it logs one warning saying how many were dropped and why, and nothing else: the
   * SDK's own lines and stack traces are held back (docs/observability.md, "Shutdown").
   * Safe to call more than once: later calls return the first call's promise.
   *
   * @param timeoutMs - upper bound. @default config.shutdownTimeoutMs
   */
  shutdown(timeoutMs: number = this.config.shutdownTimeoutMs): Promise<void> {
    this.#shutdown ??= this.#doShutdown(timeoutMs);
    return this.#shutdown;
  }

  async #doShutdown(timeoutMs: number): Promise<void> {
    const sdk = this.sdk;
    if (!sdk) return;
    this.#closing = true;
    let sent = 0;
    let lastError: unknown;
    const listening = [
      sdk.on?.('flush', (messages) => {
        if (Array.isArray(messages)) sent += messages.length;
      }),
      sdk.on?.('error', (error) => {
        lastError = error;
      }),
    ];
    const dequeuedBefore = dequeuedEventCount(sdk);
    const stopping = Promise.resolve()
      .then(() => sdk.shutdown(timeoutMs))
      .catch((error: unknown) => {
        lastError = error;
      });
    const timedOut = (await withTimeout(stopping, timeoutMs)) === TIMED_OUT;
    for (const stop of listening) if (typeof stop === 'function') stop();
    const queued = queuedEventCount(sdk);
    // Taken off the queue but not sent: a batch the host refused for good (a 4xx/5xx).
    const givenUp = Math.max(0, dequeuedEventCount(sdk) - dequeuedBefore - sent);
    const dropped = queued === undefined ? undefined : queued + givenUp;
    if (dropped === 0 || (dropped === undefined && !timedOut && lastError === undefined)) return;
    const them = dropped === 1 ? 'it' : 'them';
    // posthog-node stops at its own timer, the same bound: on a busy core it can settle first,
    // with the events still queued and no error. That is the bound too, not a refusal.
    const why =
      timedOut || lastError === undefined
        ? `PostHog did not take ${them} within ${timeoutMs} ms${lastError === undefined ? '' : `; last error: ${describeError(lastError)}`}`
        : `PostHog refused ${them}: ${describeError(lastError)}`;
    this.config.logger.warn(
      `PostHog shutdown: ${dropped ?? 'unsent'} event${dropped === 1 ? ' was' : 's were'} dropped (${why}). Check that ${this.config.host} is reachable, or raise POSTHOG_SHUTDOWN_TIMEOUT_MS.`,
    );
  }
}
