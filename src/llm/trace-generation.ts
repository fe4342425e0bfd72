import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { PosthogClient } from '../core/client/index.js';
import type { EventProperties } from '../core/client/sdk.js';
import { show } from '../core/config/parse.js';
import { describeError } from '../core/errors/describe-error.js';
import { type Warner, warnerFor } from '../core/log/rate-limited.js';
import { clientOption, optionKeys } from '../core/options/options.js';
import { describeGenerationError, httpStatusOf } from './error-summary.js';
import {
  createStreamAccumulator,
  extractResponse,
  type GenerationFacts,
  type StreamAccumulator,
} from './extract.js';
import { type AiMessage, clipMessages, toInputMessages, toOutputMessages } from './messages.js';
import { checkTraceArguments, readHttpStatus, readTokens, showCall } from './validate.js';

/** Options of {@link traceGeneration}. */
export interface TraceGenerationOptions {
  /** `$ai_provider`, such as `"anthropic"` or `"openai"`. */
  readonly provider: string;
  /** `$ai_model` as requested; the model named in the provider's response wins when known. */
  readonly model: string;
  /**
   * Who the event belongs to. @default the SDK's request context (inside
   * `client.withContext({ distinctId })`, or a request after `posthogUser`),
   * else a personless id made by the SDK.
   */
  readonly distinctId?: string;
  /** `$ai_trace_id`, to group the generations of one conversation or task. @default a fresh UUID */
  readonly traceId?: string;
  /** `$ai_base_url`: the provider endpoint, such as `anthropic.baseURL`. Credentials, query and hash are dropped. */
  readonly baseUrl?: string;
  /** Extra properties on the event; the `$ai_*` properties computed here win over them. */
  readonly properties?: EventProperties;
  /** The client to send with. @default getPosthog() */
  readonly client?: PosthogClient;
}

/** The options of {@link traceGeneration}; any other key is refused. */
const OPTION_KEYS = optionKeys<TraceGenerationOptions>({
  provider: true,
  model: true,
  distinctId: true,
  traceId: true,
  baseUrl: true,
  properties: true,
  client: true,
});

/** Token counts for {@link GenerationRecorder.setTokens}; each field is optional. */
export interface GenerationTokens {
  /** `$ai_input_tokens` */
  readonly input?: number;
  /** `$ai_output_tokens` */
  readonly output?: number;
  /** `$ai_cache_read_input_tokens` */
  readonly cacheRead?: number;
  /** `$ai_cache_creation_input_tokens` */
  readonly cacheCreation?: number;
}

/**
 * The `gen` handed to a {@link traceGeneration} callback: it records what the
 * one `$ai_generation` event will say. Explicit setters (`setInput`,
 * `setOutput`, `setTokens`) win over what `setResponse` and `stream` extract.
 */
export interface GenerationRecorder {
  /** This generation's `$ai_trace_id`. */
  readonly traceId: string;
  /**
   * The prompt: `$ai_input` when payloads are on, as `{ role, content }`
   * messages. Takes a string, an array of messages, or the request itself
   * (Anthropic `{ system, messages }`, OpenAI `{ messages }` or Responses
   * `{ instructions, input }`). Read when called: later changes to the array
   * are not seen.
   */
  setInput(input: unknown): void;
  /**
   * The completion: `$ai_output_choices` when payloads are on, as
   * `{ role: 'assistant', content: [...] }` messages. Takes a string, messages,
   * content parts, or a provider response (read as `setResponse` reads it).
   */
  setOutput(output: unknown): void;
  /**
   * Token counts, when the response does not carry them in a shape
   * `setResponse` knows: one object, each count a non-negative integer. A
   * wrong call (`setTokens(10, 20)`, an unknown key, a string or negative
   * count) logs one warning and records only the valid counts.
   */
  setTokens(tokens: GenerationTokens): void;
  /**
   * Reads an Anthropic Messages, OpenAI Chat Completions or OpenAI Responses
   * response: model, token counts and the completion.
   */
  setResponse(response: unknown): void;
  /**
   * `$ai_http_status` for a success, when you have the raw response
   * (`.withResponse()`): an integer from 100 to 599, else a warning and nothing recorded.
   */
  setHttpStatus(status: number): void;
  /** Adds properties to the event; anything but an object logs a warning. */
  setProperties(properties: EventProperties): void;
  /**
   * Wraps a streamed response (Anthropic `stream: true` or `messages.stream()`,
   * OpenAI Chat Completions or Responses with `stream: true`): yields every
   * chunk unchanged and accumulates model, tokens and text. The event waits
   * until the wrapped stream ends, fails or is closed (`break`, `return()`),
   * so a stream returned out of the callback must be consumed or closed.
   * A stream that fails midway gives one error event with what arrived.
   * Anything but an async iterable throws a `TypeError` naming the call; a
   * callback that lets it escape sends no event (the app's mistake is no generation).
   */
  stream<T>(source: AsyncIterable<T>): AsyncIterableIterator<T>;
  /** Feeds one streamed chunk by hand, for code that iterates the stream itself. */
  addChunk(chunk: unknown): void;
}

/**
 * The provider's base URL without trailing slashes; `undefined` when it is not a URL. Its
 * credentials and secret values (a key in the path or the query) are left to the client's
 * redaction gate, which every event passes (docs/observability.md, "What is redacted").
 */
function baseUrlOf(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    url.pathname = url.pathname.replace(/\/+$/, '');
    return url.search || url.hash ? url.toString() : url.toString().replace(/\/$/, '');
  } catch {
    return undefined;
  }
}

interface Failure {
  readonly error: unknown;
}

/** The `TypeError`s the recorder throws for a wrong call (`gen.stream(notAStream)`). */
const usageErrors = new WeakSet<object>();

/**
 * Traces one LLM call as one `$ai_generation` event (docs/observability.md), on success
 * and on failure, and returns what `fn` returns. A failure is re-thrown
 * unchanged, after the event records `$ai_is_error`, `$ai_error` (class and
 * status only unless `POSTHOG_LLM_PAYLOADS` is on) and `$ai_http_status`.
 *
 * Always sent: `$ai_provider`, `$ai_model`, `$ai_trace_id`, `$ai_latency`
 * (seconds, from the call to the end of the response or stream). When known:
 * `$ai_input_tokens`, `$ai_output_tokens`, the cache token counts,
 * `$ai_http_status`, `$ai_base_url`, `$ai_stream`. With payloads on only:
 * `$ai_input` and `$ai_output_choices` as `{ role, content }` messages (the
 * shapes `@posthog/ai` sends), each message clipped at
 * `POSTHOG_LLM_PAYLOAD_MAX_CHARS` with `…[truncated N chars]`.
 *
 * A wrong call is the app's mistake: bad options or a callback that is not a
 * function throw a `TypeError` before `fn` runs (PostHog on or off); a setter
 * given a wrong value logs one rate-limited warning and records nothing wrong.
 * With PostHog off it otherwise only runs `fn`.
 *
 * @param options - provider, model and optional ids; see {@link TraceGenerationOptions}.
 * @param fn - makes the call; receives the {@link GenerationRecorder}.
 * @returns what `fn` returns (or resolves to).
 * @throws TypeError before `fn` runs, for a missing `provider` or `model` or a non-function `fn`.
 * @example
 * const message = await traceGeneration(
 *   { provider: 'anthropic', model: 'claude-sonnet-4-5', baseUrl: anthropic.baseURL },
 *   async (gen) => {
 *     const params = { model: 'claude-sonnet-4-5', max_tokens: 512, messages };
 *     gen.setInput(params.messages);
 *     const response = await anthropic.messages.create(params);
 *     gen.setResponse(response);
 *     return response;
 *   },
 * );
 */
export async function traceGeneration<T>(
  options: Readonly<TraceGenerationOptions>,
  fn: (gen: GenerationRecorder) => T | Promise<T>,
): Promise<T> {
  checkTraceArguments(options, fn, OPTION_KEYS);
  const client = clientOption('traceGeneration', options.client)();
  const generation: Generation = {
    options,
    client,
    traceId: options.traceId ?? randomUUID(),
    started: performance.now(),
    warn: warnerFor(client.config.logger),
    // With payloads off, prompts and completions are not even copied.
    payloads: client.enabled && client.config.llmPayloads,
    extracted: {},
    explicit: {},
    extra: {},
    streamed: false,
    accumulator: createStreamAccumulator(),
    openStreams: 0,
    settled: false,
    emitted: false,
    // Bound to the caller's async context: the event keeps the request's
    // distinct id even when a stream is consumed somewhere else.
    emit: AsyncResource.bind(function emitGeneration(): void {
      emitEvent(generation);
    }),
  };
  try {
    const result = await fn(recorderOf(generation));
    generation.settled = true;
    emitWhenDone(generation);
    return result;
  } catch (error) {
    generation.settled = true;
    // The app's own mistake in calling us is no generation: like a bad option, no event.
    if (typeof error === 'object' && error !== null && usageErrors.has(error)) {
      generation.emitted = true;
    }
    generation.failure ??= { error };
    generation.emit();
    throw error;
  }
}

/** One call of {@link traceGeneration}: what it was given, and what it has recorded so far. */
interface Generation {
  readonly options: Readonly<TraceGenerationOptions>;
  readonly client: PosthogClient;
  readonly traceId: string;
  /** `performance.now()` when the call started, for `$ai_latency`. */
  readonly started: number;
  readonly warn: Warner;
  /** Prompts and completions are recorded (payloads on, PostHog on). */
  readonly payloads: boolean;
  input?: AiMessage[];
  /** What `setResponse` read. */
  extracted: GenerationFacts;
  /** What the explicit setters said; wins over the rest. */
  explicit: GenerationFacts;
  /** `setProperties`. */
  readonly extra: EventProperties;
  httpStatus?: number;
  streamed: boolean;
  readonly accumulator: StreamAccumulator;
  /** Wrapped streams not yet ended, failed or closed: the event waits for them. */
  openStreams: number;
  /** The callback has returned or thrown. */
  settled: boolean;
  emitted: boolean;
  failure?: Failure;
  /** Sends the event, once, in the caller's async context. */
  readonly emit: () => void;
}

/** Sends the one event when the callback is done and no wrapped stream is open. */
function emitWhenDone(generation: Generation): void {
  if (generation.settled && generation.openStreams === 0) generation.emit();
}

/** Sends the `$ai_generation` event, once; never throws. */
function emitEvent(generation: Generation): void {
  if (generation.emitted) return;
  generation.emitted = true;
  const { client, options } = generation;
  if (!client.enabled) return;
  try {
    client.capture({
      event: '$ai_generation',
      properties: generationProperties(generation),
      ...(options.distinctId ? { distinctId: options.distinctId } : {}),
    });
  } catch (error) {
    generation.warn(
      `traceGeneration: could not build the $ai_generation event: ${show(describeError(error))}`,
    );
  }
}

/** The event's properties, from what was recorded (docs/observability.md, "`$ai_generation` properties"). */
function generationProperties(generation: Generation): EventProperties {
  const { options, client, failure, accumulator } = generation;
  const latency = (performance.now() - generation.started) / 1000;
  const facts: GenerationFacts = generation.streamed
    ? { ...generation.extracted, ...accumulator.facts(), ...generation.explicit }
    : { ...generation.extracted, ...generation.explicit };
  const { llmPayloads, llmPayloadMaxChars } = client.config;
  const status = generation.httpStatus ?? (failure ? httpStatusOf(failure.error) : undefined);
  const properties: EventProperties = {
    ...options.properties,
    ...generation.extra,
    $ai_provider: options.provider,
    $ai_model: facts.model ?? options.model,
    $ai_trace_id: generation.traceId,
    $ai_latency: latency,
  };
  const optional: [string, unknown][] = [
    ['$ai_input_tokens', facts.inputTokens],
    ['$ai_output_tokens', facts.outputTokens],
    ['$ai_cache_read_input_tokens', facts.cacheReadInputTokens],
    ['$ai_cache_creation_input_tokens', facts.cacheCreationInputTokens],
    ['$ai_http_status', status],
    ['$ai_base_url', baseUrlOf(options.baseUrl)],
    ['$ai_stream', generation.streamed ? true : undefined],
  ];
  for (const [key, value] of optional) if (value !== undefined) properties[key] = value;
  if (failure) {
    properties.$ai_is_error = true;
    properties.$ai_error = describeGenerationError(failure.error, {
      payloads: llmPayloads,
      maxChars: llmPayloadMaxChars,
    });
  }
  if (llmPayloads) {
    if (generation.input !== undefined) {
      properties.$ai_input = clipMessages(generation.input, llmPayloadMaxChars);
    }
    if (facts.output !== undefined) {
      properties.$ai_output_choices = clipMessages(facts.output, llmPayloadMaxChars);
    }
  }
  return properties;
}

/** Runs a recorder step that reads the app's values; a value that throws when read is a warning. */
function guarded(generation: Generation, call: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    generation.warn(
      `${call}: the value could not be read (${show(describeError(error))}); nothing was recorded.`,
    );
  }
}

/** The `gen` the callback receives: each setter checks its call, then records. */
function recorderOf(generation: Generation): GenerationRecorder {
  const { warn, payloads } = generation;
  return {
    traceId: generation.traceId,
    setInput(...args: unknown[]) {
      if (args.length !== 1) {
        warn(
          `${showCall('setInput', args)}: pass the prompt, e.g. gen.setInput(messages); nothing was recorded.`,
        );
        return;
      }
      if (payloads)
        guarded(generation, 'gen.setInput', () => {
          generation.input = toInputMessages(args[0]);
        });
    },
    setOutput(...args: unknown[]) {
      if (args.length !== 1) {
        warn(
          `${showCall('setOutput', args)}: pass the completion, e.g. gen.setOutput(text); nothing was recorded.`,
        );
        return;
      }
      if (payloads)
        guarded(generation, 'gen.setOutput', () => {
          const output = extractResponse(args[0]).output ?? toOutputMessages(args[0]);
          generation.explicit = { ...generation.explicit, output };
        });
    },
    setTokens(...args: unknown[]) {
      const { counts, warning } = readTokens(args);
      if (warning) warn(warning);
      const next: GenerationFacts = { ...generation.explicit };
      if (counts.input !== undefined) next.inputTokens = counts.input;
      if (counts.output !== undefined) next.outputTokens = counts.output;
      if (counts.cacheRead !== undefined) next.cacheReadInputTokens = counts.cacheRead;
      if (counts.cacheCreation !== undefined) next.cacheCreationInputTokens = counts.cacheCreation;
      generation.explicit = next;
    },
    setResponse(...args: unknown[]) {
      const [response] = args;
      if (args.length !== 1 || typeof response !== 'object' || response === null) {
        warn(
          `${showCall('setResponse', args)}: pass the provider's response object, e.g. gen.setResponse(await client.messages.create(params)); nothing was recorded.`,
        );
        return;
      }
      guarded(generation, 'gen.setResponse', () => {
        const facts = extractResponse(response);
        if (!payloads) delete facts.output;
        generation.extracted = { ...generation.extracted, ...facts };
      });
    },
    setHttpStatus(...args: unknown[]) {
      const { status, warning } = readHttpStatus(args);
      if (warning) warn(warning);
      else generation.httpStatus = status;
    },
    setProperties(...args: unknown[]) {
      const [properties] = args;
      if (args.length !== 1 || typeof properties !== 'object' || properties === null) {
        warn(
          `${showCall('setProperties', args)}: pass one object, e.g. gen.setProperties({ feature: 'search' }); nothing was recorded.`,
        );
        return;
      }
      guarded(generation, 'gen.setProperties', () => {
        Object.assign(generation.extra, { ...properties });
      });
    },
    addChunk(chunk) {
      generation.streamed = true;
      guarded(generation, 'gen.addChunk', () => generation.accumulator.add(chunk));
    },
    stream<C>(source: AsyncIterable<C>): AsyncIterableIterator<C> {
      return wrapStream(generation, source);
    },
  };
}

/**
 * `gen.stream(source)`: yields every chunk unchanged, accumulates what it says, and holds the
 * event until the stream ends, fails or is closed.
 */
function wrapStream<C>(generation: Generation, source: AsyncIterable<C>): AsyncIterableIterator<C> {
  if (typeof (source as Partial<AsyncIterable<C>> | null)?.[Symbol.asyncIterator] !== 'function') {
    const error = new TypeError(
      `gen.stream(${show(source)}): pass the stream the SDK returned, e.g. gen.stream(await openai.chat.completions.create({ model, messages, stream: true })).`,
    );
    usageErrors.add(error);
    throw error;
  }
  generation.streamed = true;
  generation.openStreams += 1;
  let iterator: AsyncIterator<C> | undefined;
  let closed = false;
  const close = (error?: Failure) => {
    if (closed) return;
    closed = true;
    generation.openStreams -= 1;
    if (error && !generation.failure) generation.failure = error;
    emitWhenDone(generation);
  };
  const wrapped: AsyncIterableIterator<C> = {
    [Symbol.asyncIterator]() {
      return wrapped;
    },
    async next(): Promise<IteratorResult<C>> {
      if (closed) return { done: true, value: undefined };
      try {
        iterator ??= source[Symbol.asyncIterator]();
        const result = await iterator.next();
        if (result.done) close();
        else {
          try {
            generation.accumulator.add(result.value);
          } catch {
            // A chunk that cannot be read is the stream's, passed on as it is.
          }
        }
        return result;
      } catch (error) {
        close({ error });
        throw error;
      }
    },
    async return(value?: unknown): Promise<IteratorResult<C>> {
      try {
        if (!closed) await iterator?.return?.();
      } finally {
        close();
      }
      return { done: true, value: value as C };
    },
  };
  return wrapped;
}
