/**
 * `$ai_input` and `$ai_output_choices` in the shapes PostHog's LLM analytics
 * renders as a conversation: arrays of `{ role, content }` messages, the
 * same shapes `@posthog/ai` sends for the same calls (docs/observability.md,
 * "Privacy posture for payloads"). Pure: plain values in, plain values out; no SDK import.
 */
import { clip } from './clip.js';

/** One message of `$ai_input` or `$ai_output_choices`. */
export interface AiMessage {
  /** `user`, `assistant`, `system`, `tool`… */
  role: string;
  /** A string, or the provider's content parts (`{ type: 'text', text }`, tool calls…). */
  content: unknown;
  /** Other fields the provider's message carries (`tool_calls`, `tool_call_id`, `name`). */
  [field: string]: unknown;
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deeper than this, a payload is cut (`'[too deep]'`): a prompt is never that deep. */
const MAX_DEPTH = 20;

/**
 * A copy of `value` that JSON can encode and reading cannot break: cycles
 * become `'[Circular]'`, BigInts strings, functions and symbols are dropped,
 * a property whose getter throws is left out, a Proxy that throws is `'[unreadable]'`.
 */
export function jsonSafe(value: unknown, seen: Set<object> = new Set(), depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => jsonSafe(item, seen, depth + 1) ?? null);
    const out: Dict = {};
    for (const key of Object.keys(value)) {
      let item: unknown;
      try {
        item = (value as Dict)[key];
      } catch {
        continue;
      }
      const safe = jsonSafe(item, seen, depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}

/** A content value as `@posthog/ai`'s `toContentString` writes it: a string as it is, else JSON. */
function contentString(content: unknown): string {
  if (typeof content === 'string') return content;
  try {
    return JSON.stringify(content) ?? String(content);
  } catch {
    return String(content);
  }
}

/** A chat or Anthropic message as it is; a bare string is a user message. */
function chatMessage(item: unknown, defaultRole: string): AiMessage {
  if (isDict(item) && typeof item.role === 'string')
    return { ...item, role: item.role } as AiMessage;
  if (typeof item === 'string') return { role: defaultRole, content: item };
  return { role: defaultRole, content: item };
}

/**
 * OpenAI Responses `input` (and `instructions`): a string, or items with a
 * role and content, or items without a role (`function_call_output`);
 * content that is not a string is sent as JSON, as `@posthog/ai` does.
 */
function responsesInput(input: unknown, instructions: unknown): AiMessage[] {
  const messages: AiMessage[] = [];
  if (typeof instructions === 'string' && instructions !== '') {
    messages.push({ role: 'system', content: instructions });
  }
  const items = Array.isArray(input) ? input : input === undefined ? [] : [input];
  for (const item of items) {
    if (isDict(item)) {
      const role = typeof item.role === 'string' ? item.role : 'user';
      messages.push({ role, content: contentString(item.content ?? item.text ?? item) });
    } else {
      messages.push({ role: 'user', content: contentString(item) });
    }
  }
  return messages;
}

/**
 * `$ai_input` for whatever the app passed to `setInput`:
 *
 * - a string → one `user` message;
 * - an array of messages (Chat Completions, Anthropic) → the messages as they
 *   are; a string item is a `user` message;
 * - an Anthropic request (`{ system?, messages }`) → the `system` prompt as a
 *   first `system` message, then the messages;
 * - an OpenAI Chat Completions request (`{ messages }`) → the messages;
 * - an OpenAI Responses request (`{ instructions?, input }`) → `instructions`
 *   as a `system` message, then the input items;
 * - anything else → one `user` message with it as content.
 *
 * @example
 * toInputMessages('Hi'); // [{ role: 'user', content: 'Hi' }]
 * toInputMessages({ system: 'Be brief', messages: [{ role: 'user', content: 'Hi' }] });
 * // [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Hi' }]
 */
export function toInputMessages(input: unknown): AiMessage[] {
  const value = jsonSafe(input);
  if (typeof value === 'string') return [{ role: 'user', content: value }];
  if (Array.isArray(value)) return value.map((item) => chatMessage(item, 'user'));
  if (isDict(value)) {
    if (Array.isArray(value.messages)) {
      const messages = value.messages.map((item) => chatMessage(item, 'user'));
      const system = value.system;
      const hasSystem = system !== undefined && system !== null && system !== '';
      return hasSystem ? [{ role: 'system', content: system }, ...messages] : messages;
    }
    if ('input' in value) return responsesInput(value.input, value.instructions);
    if (typeof value.role === 'string') return [chatMessage(value, 'user')];
  }
  return value === undefined ? [] : [{ role: 'user', content: value }];
}

/** A text part of an output message. */
export function textPart(text: string): { type: 'text'; text: string } {
  return { type: 'text', text };
}

/**
 * `$ai_output_choices` for what the app passed to `setOutput` (responses go
 * through `extractResponse`):
 *
 * - a string → one `assistant` message with one text part;
 * - an array of messages → the messages as they are;
 * - an array of content parts → one `assistant` message holding them;
 * - a message → that message; anything else → one `assistant` message with it as content.
 *
 * @example
 * toOutputMessages('Hello'); // [{ role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }]
 */
export function toOutputMessages(output: unknown): AiMessage[] {
  const value = jsonSafe(output);
  if (typeof value === 'string') return [{ role: 'assistant', content: [textPart(value)] }];
  if (Array.isArray(value)) {
    if (value.every((item) => isDict(item) && typeof item.role === 'string')) {
      return value.map((item) => chatMessage(item, 'assistant'));
    }
    return [{ role: 'assistant', content: value }];
  }
  if (isDict(value) && typeof value.role === 'string') return [chatMessage(value, 'assistant')];
  return value === undefined ? [] : [{ role: 'assistant', content: value }];
}

/** Fields that name or label a part rather than hold text: kept whole, not counted. */
const LABELS = new Set(['type', 'id', 'call_id', 'tool_call_id', 'tool_use_id']);

/** Clips the strings of `value` so that together they keep at most `budget.left` characters. */
function clipStrings(value: unknown, budget: { left: number }): unknown {
  if (typeof value === 'string') {
    const kept = clip(value, budget.left);
    budget.left = Math.max(0, budget.left - value.length);
    return kept;
  }
  if (Array.isArray(value)) return value.map((item) => clipStrings(item, budget));
  if (isDict(value)) {
    const out: Dict = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = LABELS.has(key) && typeof item === 'string' ? item : clipStrings(item, budget);
    }
    return out;
  }
  return value;
}

/**
 * Clips each message at `maxChars` characters of text (its content and other
 * fields together; the role and labels such as `type` and `id` are kept whole): a string past the budget keeps its
 * head and ends with `…[truncated N chars]`, N the characters dropped; a
 * string after the budget is spent becomes the marker alone.
 *
 * @example
 * clipMessages([{ role: 'user', content: 'abcdefghij' }], 4);
 * // [{ role: 'user', content: 'abcd…[truncated 6 chars]' }]
 */
export function clipMessages(messages: readonly AiMessage[], maxChars: number): AiMessage[] {
  return messages.map((message) => {
    const budget = { left: maxChars };
    const { role, ...rest } = message;
    return { role, ...(clipStrings(rest, budget) as Dict) } as AiMessage;
  });
}
