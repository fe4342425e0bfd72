import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipMessages, toInputMessages, toOutputMessages } from '../../src/llm/messages.js';

describe('toInputMessages: every input form as { role, content } messages', () => {
  it.each([
    ['a string', 'Hi', [{ role: 'user', content: 'Hi' }]],
    [
      'an array of messages',
      [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    ],
    [
      'an array of strings',
      ['a', 'b'],
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    ],
    [
      'an Anthropic request with a system prompt',
      { model: 'c', system: 'Be brief', messages: [{ role: 'user', content: 'Hi' }] },
      [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    [
      'an OpenAI Chat Completions request',
      {
        model: 'g',
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'Hi' },
        ],
      },
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Hi' },
      ],
    ],
    [
      'an OpenAI Responses request',
      {
        model: 'g',
        instructions: 'S',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
          { type: 'function_call_output', call_id: 'c1', output: '42' },
        ],
      },
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: '[{"type":"input_text","text":"Hi"}]' },
        { role: 'user', content: '{"type":"function_call_output","call_id":"c1","output":"42"}' },
      ],
    ],
    ['a Responses string input', { model: 'g', input: 'Hi' }, [{ role: 'user', content: 'Hi' }]],
    ['anything else', { question: 42 }, [{ role: 'user', content: { question: 42 } }]],
  ])('%s', (_, input, expected) => {
    expect(toInputMessages(input)).toEqual(expected);
  });
});

describe('toOutputMessages', () => {
  it('gives a string as one assistant message with one text part', () => {
    expect(toOutputMessages('Hello')).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
    ]);
  });

  it('keeps messages, and wraps content parts in one assistant message', () => {
    expect(toOutputMessages([{ role: 'assistant', content: 'x' }])).toEqual([
      { role: 'assistant', content: 'x' },
    ]);
    expect(toOutputMessages([{ type: 'text', text: 'x' }])).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'x' }] },
    ]);
  });
});

describe('clipMessages', () => {
  it('clips each message on its own, roles and labels kept whole', () => {
    expect(
      clipMessages(
        [
          { role: 'user', content: 'abcdefghij' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'abc' },
              { type: 'text', text: 'defgh' },
            ],
          },
        ],
        4,
      ),
    ).toEqual([
      { role: 'user', content: 'abcd…[truncated 6 chars]' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'abc' },
          { type: 'text', text: 'd…[truncated 4 chars]' },
        ],
      },
    ]);
  });

  it('property: the kept text plus the dropped count is the original, per message', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 60 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 40 }),
        (texts, max) => {
          const [clipped] = clipMessages(
            [{ role: 'user', content: texts.map((text) => ({ type: 'text', text })) }],
            max,
          );
          let kept = 0;
          let dropped = 0;
          for (const [i, part] of (clipped!.content as { text: string }[]).entries()) {
            const match = /…\[truncated (\d+) chars\]$/.exec(part.text);
            const head = match ? part.text.slice(0, match.index) : part.text;
            if (!texts[i]!.startsWith(head)) return false;
            kept += head.length;
            dropped += match ? Number(match[1]) : 0;
            if (head.length + (match ? Number(match[1]) : 0) !== texts[i]!.length) return false;
          }
          return kept <= max && kept + dropped === texts.join('').length;
        },
      ),
      { numRuns: 300 },
    );
  });
});
