import { describe, expect, it } from 'vitest';
import { formatSeconds, formatUsd, generationView } from '../../../src/apps/inspector/ai-view.js';
import { boundedJson } from '../../../src/apps/inspector/bounded-json.js';
import { inspectedEvent } from '../../../src/apps/inspector/events.js';
import { pageRows } from '../../../src/apps/inspector/page.js';
import { exceptionViews } from '../../../src/apps/inspector/stack.js';
import { eventView } from '../../../src/apps/inspector/view.js';

const received = new Date('2026-12-01T10:00:05.000Z');
const stored = (raw: Parameters<typeof inspectedEvent>[0], id = 1) =>
  inspectedEvent(raw, { id, endpoint: '/batch/', receivedAt: received });

/** Frames as posthog-node sends them: oldest first, the frame that threw last. */
const frames = [
  {
    filename: 'node:internal/process/task_queues',
    function: 'processTicksAndRejections',
    lineno: 95,
    in_app: false,
  },
  {
    filename: '/srv/app/node_modules/express/lib/router/layer.js',
    function: 'handle',
    lineno: 152,
    in_app: false,
  },
  { filename: '/srv/app/src/routes.ts', function: 'checkout', lineno: 40, colno: 11, in_app: true },
  { filename: '/srv/app/src/cart.ts', function: 'total', lineno: 12, colno: 5, in_app: true },
];

describe('the rows the inspector page renders', () => {
  it("shows a stack with the app's own frames first, the one that threw on top, the rest apart", () => {
    const [exception] = exceptionViews([
      { type: 'TypeError', value: 'price is undefined', stacktrace: { type: 'raw', frames } },
    ]);
    expect(exception?.appFrames.map((f) => f.text)).toEqual([
      'total (/srv/app/src/cart.ts:12:5)',
      'checkout (/srv/app/src/routes.ts:40:11)',
    ]);
    expect(exception?.otherFrames.map((f) => f.text)).toEqual([
      'handle (/srv/app/node_modules/express/lib/router/layer.js:152)',
      'processTicksAndRejections (node:internal/process/task_queues:95)',
    ]);
  });

  it('shows an $ai_generation as model, tokens, rounded latency and costs, and the messages when sent', () => {
    const view = generationView({
      $ai_provider: 'openai',
      $ai_model: 'gpt-4o-mini',
      $ai_input_tokens: 12,
      $ai_output_tokens: 30,
      $ai_latency: 0.2712345,
      $ai_total_cost_usd: 0.000123456,
      $ai_input: [{ role: 'user', content: 'Hello' }],
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] }],
    });
    expect(view).toMatchObject({
      model: 'gpt-4o-mini',
      inputTokens: 12,
      outputTokens: 30,
      latency: '0.27 s',
      costs: [{ name: 'total_cost_usd', usd: '$0.000123' }],
      input: [{ role: 'user', content: 'Hello' }],
      output: [{ role: 'assistant', content: 'Hi there' }],
    });
  });

  it.each([
    [0.000266226000036113, '0.27 ms'],
    [0.0042, '0.004 s'],
    [0.2712, '0.27 s'],
    [3.1234, '3.1 s'],
    [250.4, '250 s'],
  ])('rounds a latency of %s s to %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it('rounds costs to what a person reads', () => {
    expect([formatUsd(1.5), formatUsd(0.0004567), formatUsd(0)]).toEqual([
      '$1.50',
      '$0.000457',
      '$0',
    ]);
  });

  it("sorts by the event's own time: a server event batched seconds later sits where it happened", () => {
    const server = eventView(
      stored({ event: '$exception', timestamp: '2026-12-01T10:00:01.000Z' }),
    );
    const noTime = eventView(stored({ event: 'x', timestamp: 'not a date' }));
    expect(server.time).toBe('2026-12-01T10:00:01.000Z');
    expect(server.receivedAt).toBe('2026-12-01T10:00:05.000Z');
    expect(noTime.time).toBe(noTime.receivedAt);
  });

  it('counts replay snapshots by session instead of listing them as rows', () => {
    const events = [
      stored({ event: '$snapshot', properties: { $session_id: 's1', $snapshot_data: [] } }, 3),
      stored({ event: '$snapshot', properties: { $session_id: 's1', $snapshot_data: [] } }, 2),
      stored({ event: '$pageview', properties: { $session_id: 's1' } }, 1),
    ];
    const { rows, replays } = pageRows(events);
    expect(rows.map((row) => row.event)).toEqual(['$pageview']);
    expect(replays).toEqual({ s1: 2 });
  });

  it('keeps a row small whatever the event holds: huge strings, many frames, deep values', () => {
    const huge = 'x'.repeat(5_000_000);
    // Built as the store holds it (its JSON would be terabytes): the view must not walk it all.
    const frame = { filename: huge, function: huge };
    const event = {
      ...stored({ event: '$exception' }),
      distinctId: huge,
      properties: {
        $exception_list: Array.from({ length: 50 }, () => ({
          type: huge,
          value: huge,
          stacktrace: { frames: Array.from({ length: 10_000 }, () => frame) },
        })),
      },
    };
    const start = performance.now();
    const view = eventView(event);
    // Walking it all took 2.4 s before the strings were cut first; a row now takes milliseconds.
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(JSON.stringify(view).length).toBeLessThan(200_000);
  });
});

describe('boundedJson', () => {
  it('stops at its budget, however deep or large the value', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 5_000; i += 1) deep = [deep];
    const start = performance.now();
    const text = boundedJson({ deep, wide: Array.from({ length: 1e6 }, (_, i) => i) }, 10_000);
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(text.length).toBeLessThan(10_100);
    expect(text).toMatch(/cut at 10000 characters/);
  });

  it('prints what JSON.stringify prints when the value fits', () => {
    const value = { a: [1, 'two', { b: null, c: true }], d: {}, e: [] };
    expect(boundedJson(value, 10_000)).toBe(JSON.stringify(value, null, 2));
  });

  it('survives cycles and throwing getters', () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    Object.defineProperty(value, 'bad', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(boundedJson(value, 1_000)).toContain('(circular)');
    expect(boundedJson(value, 1_000)).toContain('(a getter threw)');
  });
});

describe('generationView of a conversation sent as JSON text', () => {
  it('reads the messages out of it', () => {
    const view = generationView({ $ai_input: JSON.stringify([{ role: 'user', content: 'Hi' }]) });
    expect(view.input).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(generationView({ $ai_input: 'plain text' }).input).toEqual([
      { role: '', content: 'plain text' },
    ]);
  });
});
