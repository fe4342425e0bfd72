import { describe, expect, it } from 'vitest';
import {
  describeGenerationError,
  errorClassName,
  httpStatusOf,
} from '../../src/llm/error-summary.js';
import { createStreamAccumulator, extractResponse } from '../../src/llm/extract.js';

/** One assistant message, in the shape @posthog/ai sends. */
const said = (...content: object[]) => [{ role: 'assistant', content }];
const text = (t: string) => ({ type: 'text', text: t });

describe('extractResponse', () => {
  it('reads an Anthropic message with text', () => {
    expect(
      extractResponse({
        type: 'message',
        model: 'claude-x',
        content: [
          { type: 'text', text: 'Hel' },
          { type: 'text', text: 'lo' },
        ],
        usage: {
          input_tokens: 5,
          output_tokens: 2,
          cache_read_input_tokens: 1,
          cache_creation_input_tokens: null,
        },
      }),
    ).toEqual({
      model: 'claude-x',
      inputTokens: 5,
      outputTokens: 2,
      cacheReadInputTokens: 1,
      output: said(text('Hel'), text('lo')),
    });
  });

  it('turns Anthropic tool-use blocks into function parts', () => {
    const content = [
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 't1', name: 'search', input: { q: 'x' } },
    ];
    expect(extractResponse({ type: 'message', content, usage: {} }).output).toEqual(
      said(text('Let me look.'), {
        type: 'function',
        id: 't1',
        function: { name: 'search', arguments: { q: 'x' } },
      }),
    );
  });

  it('reads an OpenAI Chat Completion, and keeps tool calls as messages', () => {
    const usage = {
      prompt_tokens: 9,
      completion_tokens: 4,
      prompt_tokens_details: { cached_tokens: 2 },
    };
    expect(
      extractResponse({
        object: 'chat.completion',
        model: 'gpt-x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' } }],
        usage,
      }),
    ).toEqual({
      model: 'gpt-x',
      inputTokens: 9,
      outputTokens: 4,
      cacheReadInputTokens: 2,
      output: said(text('Hi')),
    });
    const message = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    };
    expect(extractResponse({ choices: [{ index: 0, message }] }).output).toEqual(
      said({ type: 'function', id: 'c1', function: { name: 'f', arguments: '{}' } }),
    );
  });

  it('reads an OpenAI Responses answer', () => {
    expect(
      extractResponse({
        object: 'response',
        model: 'gpt-x',
        output: [
          { type: 'message', content: [{ type: 'output_text', text: 'A' }] },
          { type: 'message', content: [{ type: 'output_text', text: 'B' }] },
        ],
        usage: { input_tokens: 3, output_tokens: 1, input_tokens_details: { cached_tokens: 0 } },
      }),
    ).toEqual({
      model: 'gpt-x',
      inputTokens: 3,
      outputTokens: 1,
      cacheReadInputTokens: 0,
      output: said(text('A'), text('B')),
    });
  });

  it('knows nothing about other shapes', () => {
    expect(extractResponse(null)).toEqual({});
    expect(extractResponse('text')).toEqual({});
    expect(extractResponse({ foo: 1 })).toEqual({});
  });
});

describe('createStreamAccumulator', () => {
  it('assembles Anthropic text and tool-use blocks, keeping message_start input tokens', () => {
    const acc = createStreamAccumulator();
    for (const event of [
      {
        type: 'message_start',
        message: { model: 'claude-x', usage: { input_tokens: 8, output_tokens: 1 } },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 't', name: 'f', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"q":' },
      },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '"x"}' },
      },
      { type: 'message_delta', delta: {}, usage: { input_tokens: null, output_tokens: 6 } },
      { type: 'message_stop' },
    ]) {
      acc.add(event);
    }
    expect(acc.facts()).toEqual({
      model: 'claude-x',
      inputTokens: 8,
      outputTokens: 6,
      output: said(text('Hi '), {
        type: 'function',
        id: 't',
        function: { name: 'f', arguments: { q: 'x' } },
      }),
    });
  });

  it('assembles streamed Chat Completions tool calls', () => {
    const acc = createStreamAccumulator();
    const chunk = (delta: object) => ({
      object: 'chat.completion.chunk',
      model: 'gpt-x',
      choices: [{ index: 0, delta }],
    });
    acc.add(
      chunk({
        role: 'assistant',
        tool_calls: [
          { index: 0, id: 'c1', type: 'function', function: { name: 'get', arguments: '' } },
        ],
      }),
    );
    acc.add(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }));
    acc.add({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 2 },
    });
    expect(acc.facts()).toEqual({
      model: 'gpt-x',
      inputTokens: 4,
      outputTokens: 2,
      output: said({ type: 'function', id: 'c1', function: { name: 'get', arguments: '{"a":1}' } }),
    });
  });

  it('gives what arrived when a stream stops early', () => {
    const acc = createStreamAccumulator();
    acc.add({
      type: 'response.created',
      response: { object: 'response', model: 'gpt-x', output: [], usage: null },
    });
    acc.add({ type: 'response.output_text.delta', delta: 'par' });
    acc.add({ type: 'response.output_text.delta', delta: 'tial' });
    expect(acc.facts()).toEqual({ model: 'gpt-x', output: said(text('partial')) });
  });

  it('ignores chunks it does not know', () => {
    const acc = createStreamAccumulator();
    acc.add(42);
    acc.add({ nothing: true });
    expect(acc.facts()).toEqual({});
  });
});

describe('describeGenerationError', () => {
  class InternalServerError extends Error {
    readonly status = 500;
  }
  const error = new InternalServerError('500 prompt was: secret');

  it('with payloads off holds class and status only', () => {
    expect(describeGenerationError(error, { payloads: false, maxChars: 100 })).toBe(
      'InternalServerError (status 500)',
    );
    expect(
      describeGenerationError(new TypeError('secret'), { payloads: false, maxChars: 100 }),
    ).toBe('TypeError');
    expect(describeGenerationError('secret', { payloads: false, maxChars: 100 })).toBe('string');
  });

  it('with payloads on adds the message, clipped', () => {
    expect(describeGenerationError(error, { payloads: true, maxChars: 1000 })).toBe(
      'InternalServerError (status 500): 500 prompt was: secret',
    );
    expect(describeGenerationError(error, { payloads: true, maxChars: 19 })).toBe(
      'InternalServerError…[truncated 37 chars]',
    );
  });

  it('reads status, then statusCode, and only real HTTP codes', () => {
    expect(httpStatusOf({ status: 429 })).toBe(429);
    expect(httpStatusOf({ statusCode: 502 })).toBe(502);
    expect(httpStatusOf({ status: 'bad' })).toBeUndefined();
    expect(httpStatusOf({ status: 42 })).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
  });

  it('names an OpenAI-style error whose name is "Error" by its class', () => {
    class APIConnectionError extends Error {}
    expect(errorClassName(new APIConnectionError('x'))).toBe('APIConnectionError');
    expect(errorClassName(Object.assign(Object.create(null), { name: 'Custom' }))).toBe('Custom');
  });
});
