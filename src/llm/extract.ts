/**
 * What a provider response says about a generation: model, token counts and
 * the completion. Understands Anthropic Messages and OpenAI Chat Completions
 * and Responses, as whole responses or as streamed chunks. The completion is
 * shaped as `@posthog/ai` shapes it (docs/observability.md, "Privacy posture for payloads").
 * Pure: plain objects in, plain objects out; no SDK import.
 */
import { type AiMessage, textPart } from './messages.js';

/** What is known about one generation. Every field is optional: absent means unknown. */
export interface GenerationFacts {
  /** The model that answered, as the provider names it. */
  model?: string;
  /** Tokens in the prompt (OpenAI: including cached ones; Anthropic: the uncached ones). */
  inputTokens?: number;
  /** Tokens in the completion. */
  outputTokens?: number;
  /** Prompt tokens read from the provider's cache. */
  cacheReadInputTokens?: number;
  /** Prompt tokens written to the provider's cache (Anthropic). */
  cacheCreationInputTokens?: number;
  /**
   * The completion as `$ai_output_choices` messages: `{ role: 'assistant',
   * content: [{ type: 'text', text }, { type: 'function', id, function: { name, arguments } }] }`.
   */
  output?: AiMessage[];
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Copies the defined fields only, so that `{ ...a, ...b }` never erases a known value. */
function defined(facts: GenerationFacts): GenerationFacts {
  const out: GenerationFacts = {};
  for (const [key, value] of Object.entries(facts)) {
    if (value !== undefined) (out as Dict)[key] = value;
  }
  return out;
}

/** Anthropic `usage` (also the cumulative `usage` of `message_delta`). */
function anthropicUsage(usage: unknown): GenerationFacts {
  if (!isDict(usage)) return {};
  return defined({
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cacheReadInputTokens: count(usage.cache_read_input_tokens),
    cacheCreationInputTokens: count(usage.cache_creation_input_tokens),
  });
}

/** A tool call part, as `@posthog/ai` writes one. */
function functionPart(id: unknown, name: unknown, args: unknown): Dict {
  return { type: 'function', id, function: { name, arguments: args } };
}

/** Anthropic content blocks: text and tool use, as one assistant message (none when empty). */
function anthropicOutput(content: unknown[]): AiMessage[] {
  const parts: Dict[] = [];
  for (const block of content) {
    if (!isDict(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      parts.push(textPart(block.text));
    } else if (block.type === 'tool_use') {
      parts.push(functionPart(block.id, block.name, block.input ?? {}));
    }
  }
  return parts.length > 0 ? [{ role: 'assistant', content: parts }] : [];
}

/** OpenAI Chat Completions `usage`. */
function chatUsage(usage: unknown): GenerationFacts {
  if (!isDict(usage)) return {};
  const details = isDict(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  return defined({
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cacheReadInputTokens: count(details.cached_tokens),
  });
}

/** OpenAI Responses `usage`. */
function responsesUsage(usage: unknown): GenerationFacts {
  if (!isDict(usage)) return {};
  const details = isDict(usage.input_tokens_details) ? usage.input_tokens_details : {};
  return defined({
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cacheReadInputTokens: count(details.cached_tokens),
  });
}

/** Chat Completions choices: one message per choice, its text and tool calls as parts. */
function chatOutput(choices: unknown[]): AiMessage[] {
  const out: AiMessage[] = [];
  for (const choice of choices) {
    const message = isDict(choice) && isDict(choice.message) ? choice.message : undefined;
    if (!message) continue;
    const parts: Dict[] = [];
    if (typeof message.content === 'string' && message.content !== '') {
      parts.push(textPart(message.content));
    }
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        const fn = isDict(call) && isDict(call.function) ? call.function : {};
        parts.push(functionPart(isDict(call) ? call.id : undefined, fn.name, fn.arguments));
      }
    }
    if (isDict(message.audio)) parts.push({ type: 'audio', ...message.audio });
    const role = typeof message.role === 'string' ? message.role : 'assistant';
    if (parts.length > 0) out.push({ role, content: parts });
  }
  return out;
}

/** Responses `output` items: their text, refusals and function calls as one message. */
function responsesOutput(output: unknown[]): AiMessage[] {
  const parts: Dict[] = [];
  let role = 'assistant';
  for (const item of output) {
    if (!isDict(item)) continue;
    if (item.type === 'message') {
      if (typeof item.role === 'string') role = item.role;
      if (!Array.isArray(item.content)) continue;
      for (const part of item.content) {
        if (!isDict(part)) continue;
        if (typeof part.text === 'string' && part.text !== '') parts.push(textPart(part.text));
        else if (typeof part.refusal === 'string') parts.push(textPart(part.refusal));
      }
    } else if (item.type === 'function_call') {
      parts.push(functionPart(item.call_id ?? item.id ?? '', item.name, item.arguments ?? {}));
    }
  }
  return parts.length > 0 ? [{ role, content: parts }] : [];
}

/**
 * Reads a whole (non-streamed) provider response. Unknown shapes give `{}`.
 *
 * - Anthropic Messages: `{ type: 'message', model, content: [...], usage }`
 * - OpenAI Chat Completions: `{ object: 'chat.completion', model, choices: [...], usage }`
 * - OpenAI Responses: `{ object: 'response', model, output: [...], usage }`
 *
 * @example
 * extractResponse({ type: 'message', model: 'claude-x', content: [{ type: 'text', text: 'Hi' }],
 *   usage: { input_tokens: 3, output_tokens: 1 } });
 * // { model: 'claude-x', inputTokens: 3, outputTokens: 1, output: 'Hi' }
 */
export function extractResponse(response: unknown): GenerationFacts {
  if (!isDict(response)) return {};
  const model = text(response.model);
  if (response.type === 'message' && Array.isArray(response.content)) {
    return defined({
      model,
      ...anthropicUsage(response.usage),
      output: anthropicOutput(response.content),
    });
  }
  if (response.object === 'response' && Array.isArray(response.output)) {
    return defined({
      model,
      ...responsesUsage(response.usage),
      output: responsesOutput(response.output),
    });
  }
  if (Array.isArray(response.choices)) {
    return defined({ model, ...chatUsage(response.usage), output: chatOutput(response.choices) });
  }
  return {};
}

/** Accumulates streamed chunks into {@link GenerationFacts}. */
export interface StreamAccumulator {
  /** Feeds one chunk (an SSE event as the SDK yields it). Unknown chunks are ignored. */
  add(chunk: unknown): void;
  /** What the chunks so far add up to; a stream cut midway gives what arrived. */
  facts(): GenerationFacts;
}

/** One streamed Chat Completions tool call being assembled. */
interface ToolCallParts {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

/** One streamed Anthropic content block being assembled. */
interface BlockParts {
  block: Dict;
  json: string;
}

/** An Anthropic block as the whole response would hold it: tool input parsed when complete. */
function finishBlock({ block, json }: BlockParts): Dict {
  if (json === '') return block;
  try {
    return { ...block, input: JSON.parse(json) };
  } catch {
    return { ...block, input: json };
  }
}

/**
 * Builds a {@link StreamAccumulator} for Anthropic Messages events
 * (`message_start`, `content_block_start`, `content_block_delta`,
 * `message_delta`…), OpenAI Chat Completions chunks (`chat.completion.chunk`,
 * with the final `usage` chunk of `stream_options.include_usage`) and OpenAI
 * Responses events (`response.output_text.delta`, `response.completed`…).
 * The output is shaped as {@link extractResponse} would shape the whole response.
 *
 * @example
 * const acc = createStreamAccumulator();
 * for await (const event of stream) acc.add(event);
 * acc.facts(); // { model, inputTokens, outputTokens, output: 'the streamed text' }
 */
export function createStreamAccumulator(): StreamAccumulator {
  let facts: GenerationFacts = {};
  let deltaText: string | undefined;
  let blocks: BlockParts[] | undefined;
  let finalOutput: AiMessage[] | undefined;
  const toolCalls: ToolCallParts[] = [];
  const merge = (more: GenerationFacts) => {
    facts = { ...facts, ...defined(more) };
  };

  function addAnthropic(chunk: Dict): void {
    if (chunk.type === 'message_start') {
      const message = isDict(chunk.message) ? chunk.message : {};
      merge({ model: text(message.model), ...anthropicUsage(message.usage) });
    } else if (chunk.type === 'message_delta') {
      // Cumulative usage; a null `input_tokens` here is skipped, keeping message_start's.
      merge(anthropicUsage(chunk.usage));
    } else if (chunk.type === 'content_block_start' && isDict(chunk.content_block)) {
      blocks ??= [];
      const index = typeof chunk.index === 'number' ? chunk.index : blocks.length;
      blocks[index] = { block: { ...chunk.content_block }, json: '' };
    } else if (chunk.type === 'content_block_delta' && isDict(chunk.delta)) {
      blocks ??= [];
      const index = typeof chunk.index === 'number' ? chunk.index : blocks.length - 1;
      const parts = blocks[index] ?? { block: { type: 'text', text: '' }, json: '' };
      blocks[index] = parts;
      const delta = chunk.delta;
      if (delta.type === 'text_delta' && typeof delta.text === 'string') {
        parts.block.text = (text(parts.block.text) ?? '') + delta.text;
      } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
        parts.json += delta.partial_json;
      }
    }
  }

  function addChatChunk(chunk: Dict, choices: unknown[]): void {
    merge({ model: text(chunk.model), ...chatUsage(chunk.usage) });
    for (const choice of choices) {
      if (!isDict(choice) || (typeof choice.index === 'number' && choice.index !== 0)) continue;
      const delta = isDict(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string') deltaText = (deltaText ?? '') + delta.content;
      if (!Array.isArray(delta.tool_calls)) continue;
      for (const call of delta.tool_calls) {
        if (!isDict(call)) continue;
        const index = typeof call.index === 'number' ? call.index : toolCalls.length;
        const fn = isDict(call.function) ? call.function : {};
        const entry = toolCalls[index] ?? { function: { name: '', arguments: '' } };
        toolCalls[index] = entry;
        if (typeof call.id === 'string') entry.id = call.id;
        if (typeof call.type === 'string') entry.type = call.type;
        entry.function.name += text(fn.name) ?? '';
        entry.function.arguments += text(fn.arguments) ?? '';
      }
    }
  }

  function addResponsesEvent(chunk: Dict): void {
    if (chunk.type === 'response.output_text.delta' && typeof chunk.delta === 'string') {
      deltaText = (deltaText ?? '') + chunk.delta;
      return;
    }
    if (!isDict(chunk.response)) return;
    const { output, ...numbers } = extractResponse(chunk.response);
    merge(numbers);
    const items = chunk.response.output;
    if (Array.isArray(items) && items.length > 0) finalOutput = output;
  }

  return {
    add(chunk: unknown): void {
      if (!isDict(chunk)) return;
      if (Array.isArray(chunk.choices)) addChatChunk(chunk, chunk.choices);
      else if (typeof chunk.type === 'string' && chunk.type.startsWith('response.')) {
        addResponsesEvent(chunk);
      } else if (typeof chunk.type === 'string') addAnthropic(chunk);
    },
    facts(): GenerationFacts {
      let output: AiMessage[] | undefined;
      const empty = (): AiMessage[] => [{ role: 'assistant', content: [textPart('')] }];
      if (blocks) {
        output = anthropicOutput(blocks.filter(Boolean).map(finishBlock));
        if (output.length === 0) output = empty();
      } else if (finalOutput !== undefined) {
        output = finalOutput;
      } else if (toolCalls.length > 0 || deltaText !== undefined) {
        const parts: Dict[] = deltaText ? [textPart(deltaText)] : [];
        for (const call of toolCalls) {
          if (call?.function.name) {
            parts.push(functionPart(call.id, call.function.name, call.function.arguments));
          }
        }
        output = parts.length > 0 ? [{ role: 'assistant', content: parts }] : empty();
      }
      return defined({ ...facts, output });
    },
  };
}
