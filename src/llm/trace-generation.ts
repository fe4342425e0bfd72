import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { getPosthog, type PosthogClient } from '../core/client/index.js';
import type { EventProperties } from '../core/client/sdk.js';
import { describeError } from '../core/errors/describe-error.js';
import { warnerFor } from '../core/log/rate-limited.js';
import { optionKeys } from '../core/options/options.js';
import { describeGenerationError, httpStatusOf } from './error-summary.js';
import { createStreamAccumulator, extractResponse, type GenerationFacts } from './extract.js';
import { type AiMessage, clipMessages, toInputMessages, toOutputMessages } from './messages.js';
import {
  checkTraceArguments,
  readHttpStatus,
  readTokens,
  showCall,
  showValue,
} from './validate.js';

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

/** A provider base URL without credentials, query or hash; `undefined` when it is not a URL. */
function cleanBaseUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString().replace(/\/+$/, '');
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
  const started = performance.now();
  const client = options.client ?? getPosthog();
  const traceId = options.traceId ?? randomUUID();
  const warn = warnerFor(client.config.logger);
  // With payloads off, prompts and completions are not even copied.
  const payloads = client.enabled && client.config.llmPayloads;

  let input: AiMessage[] | undefined;
  let extracted: GenerationFacts = {};
  let explicit: GenerationFacts = {};
  const extra: EventProperties = {};
  let httpStatus: number | undefined;
  let streamed = false;
  const accumulator = createStreamAccumulator();
  let openStreams = 0;
  let settled = false;
  let emitted = false;
  let failure: Failure | undefined;

  /** Runs a recorder step that reads the app's values; a value that throws when read is a warning. */
  const guarded = (call: string, step: () => void): void => {
    try {
      step();
    } catch (error) {
      warn(
        `${call}: the value could not be read (${showValue(describeError(error))}); nothing was recorded.`,
      );
    }
  };

  // Bound to the caller's async context: the event keeps the request's
  // distinct id even when a stream is consumed somewhere else.
  const emit = AsyncResource.bind(function emitGeneration(): void {
    if (emitted) return;
    emitted = true;
    if (!client.enabled) return;
    try {
      client.capture({
        event: '$ai_generation',
        properties: generationProperties(),
        ...(options.distinctId ? { distinctId: options.distinctId } : {}),
      });
    } catch (error) {
      warn(
        `traceGeneration: could not build the $ai_generation event: ${showValue(describeError(error))}`,
      );
    }
  });

  function generationProperties(): EventProperties {
    const latency = (performance.now() - started) / 1000;
    const facts: GenerationFacts = streamed
      ? { ...extracted, ...accumulator.facts(), ...explicit }
      : { ...extracted, ...explicit };
    const { llmPayloads, llmPayloadMaxChars } = client.config;
    const status = httpStatus ?? (failure ? httpStatusOf(failure.error) : undefined);
    const baseUrl = cleanBaseUrl(options.baseUrl);
    const properties: EventProperties = {
      ...options.properties,
      ...extra,
      $ai_provider: options.provider,
      $ai_model: facts.model ?? options.model,
      $ai_trace_id: traceId,
      $ai_latency: latency,
    };
    const optional: [string, unknown][] = [
      ['$ai_input_tokens', facts.inputTokens],
      ['$ai_output_tokens', facts.outputTokens],
      ['$ai_cache_read_input_tokens', facts.cacheReadInputTokens],
      ['$ai_cache_creation_input_tokens', facts.cacheCreationInputTokens],
      ['$ai_http_status', status],
      ['$ai_base_url', baseUrl],
      ['$ai_stream', streamed ? true : undefined],
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
      if (input !== undefined) properties.$ai_input = clipMessages(input, llmPayloadMaxChars);
      if (facts.output !== undefined) {
        properties.$ai_output_choices = clipMessages(facts.output, llmPayloadMaxChars);
      }
    }
    return properties;
  }

  const emitWhenDone = () => {
    if (settled && openStreams === 0) emit();
  };

  const gen: GenerationRecorder = {
    traceId,
    setInput(...args: unknown[]) {
      if (args.length !== 1) {
        warn(
          `${showCall('setInput', args)}: pass the prompt, e.g. gen.setInput(messages); nothing was recorded.`,
        );
        return;
      }
      if (payloads)
        guarded('gen.setInput', () => {
          input = toInputMessages(args[0]);
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
        guarded('gen.setOutput', () => {
          const output = extractResponse(args[0]).output ?? toOutputMessages(args[0]);
          explicit = { ...explicit, output };
        });
    },
    setTokens(...args: unknown[]) {
      const { counts, warning } = readTokens(args);
      if (warning) warn(warning);
      const next: GenerationFacts = { ...explicit };
      if (counts.input !== undefined) next.inputTokens = counts.input;
      if (counts.output !== undefined) next.outputTokens = counts.output;
      if (counts.cacheRead !== undefined) next.cacheReadInputTokens = counts.cacheRead;
      if (counts.cacheCreation !== undefined) next.cacheCreationInputTokens = counts.cacheCreation;
      explicit = next;
    },
    setResponse(...args: unknown[]) {
      const [response] = args;
      if (args.length !== 1 || typeof response !== 'object' || response === null) {
        warn(
          `${showCall('setResponse', args)}: pass the provider's response object, e.g. gen.setResponse(await client.messages.create(params)); nothing was recorded.`,
        );
        return;
      }
      guarded('gen.setResponse', () => {
        const facts = extractResponse(response);
        if (!payloads) delete facts.output;
        extracted = { ...extracted, ...facts };
      });
    },
    setHttpStatus(...args: unknown[]) {
      const { status, warning } = readHttpStatus(args);
      if (warning) warn(warning);
      else httpStatus = status;
    },
    setProperties(...args: unknown[]) {
      const [properties] = args;
      if (args.length !== 1 || typeof properties !== 'object' || properties === null) {
        warn(
          `${showCall('setProperties', args)}: pass one object, e.g. gen.setProperties({ feature: 'search' }); nothing was recorded.`,
        );
        return;
      }
      guarded('gen.setProperties', () => {
        Object.assign(extra, { ...properties });
      });
    },
    addChunk(chunk) {
      streamed = true;
      guarded('gen.addChunk', () => accumulator.add(chunk));
    },
    stream<C>(source: AsyncIterable<C>): AsyncIterableIterator<C> {
      if (
        typeof (source as Partial<AsyncIterable<C>> | null)?.[Symbol.asyncIterator] !== 'function'
      ) {
        const error = new TypeError(
          `gen.stream(${showValue(source)}): pass the stream the SDK returned, e.g. gen.stream(await openai.chat.completions.create({ model, messages, stream: true })).`,
        );
        usageErrors.add(error);
        throw error;
      }
      streamed = true;
      openStreams += 1;
      let iterator: AsyncIterator<C> | undefined;
      let closed = false;
      const close = (error?: Failure) => {
        if (closed) return;
        closed = true;
        openStreams -= 1;
        if (error && !failure) failure = error;
        emitWhenDone();
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
                accumulator.add(result.value);
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
    },
  };

  try {
    const result = await fn(gen);
    settled = true;
    emitWhenDone();
    return result;
  } catch (error) {
    settled = true;
    // The app's own mistake in calling us is no generation: like a bad option, no event.
    if (typeof error === 'object' && error !== null && usageErrors.has(error)) emitted = true;
    failure ??= { error };
    emit();
    throw error;
  }
}
