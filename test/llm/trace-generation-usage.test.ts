/**
 * A wrong call of the LLM API is the app's mistake, never its LLM's failure:
 * programmer errors throw a TypeError before the callback runs; setter
 * mistakes log one warning naming the call, the value and the right form,
 * and record nothing wrong — never thrown into the callback, never `$ai_error`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { type GenerationRecorder, traceGeneration } from '../../src/llm/index.js';
import {
  type CapturedEvent,
  type CaptureServer,
  startCaptureServer,
} from '../helpers/capture-server.js';
import { type RecordingLogger, recordingLogger } from '../helpers/logger.js';

let server: CaptureServer;
let client: PosthogClient;
let logger: RecordingLogger;

beforeEach(async () => {
  server = await startCaptureServer();
  logger = recordingLogger();
  const config = loadConfig(
    { POSTHOG_API_KEY: 'phc_test', POSTHOG_HOST: server.url, POSTHOG_LLM_PAYLOADS: '1' },
    { logger },
  );
  client = new PosthogClient({ config });
});

afterEach(async () => {
  await client.shutdown();
  await server.close();
});

/** Runs `body` as the callback of one generation and returns its one event. */
async function generation(body: (gen: GenerationRecorder) => void): Promise<CapturedEvent> {
  const result = await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, (gen) => {
    body(gen);
    return 'done';
  });
  expect(result).toBe('done');
  await client.shutdown();
  const [event, ...more] = await server.waitForEvents(1, (e) => e.event === '$ai_generation');
  expect(more).toEqual([]);
  return event!;
}

const TOKEN_PROPS = [
  '$ai_input_tokens',
  '$ai_output_tokens',
  '$ai_cache_read_input_tokens',
  '$ai_cache_creation_input_tokens',
];

describe('setter mistakes: one warning, nothing wrong recorded, no $ai_error', () => {
  it.each([
    [
      'setTokens(10, 20)',
      (gen: any) => gen.setTokens(10, 20),
      'gen.setTokens(10, 20): pass one object',
    ],
    [
      'setTokens({ input_tokens: 10 })',
      (gen: any) => gen.setTokens({ input_tokens: 10 }),
      'gen.setTokens({"input_tokens":10}): unknown key "input_tokens"',
    ],
    ['setTokens()', (gen: any) => gen.setTokens(), 'gen.setTokens(): pass one object'],
    [
      "setTokens({ input: '10', output: -3 })",
      (gen: any) => gen.setTokens({ input: '10', output: -3 }),
      'input must be a non-negative integer, got "10"; output must be a non-negative integer, got -3',
    ],
    ['setTokens({ input: 1.5 })', (gen: any) => gen.setTokens({ input: 1.5 }), 'got 1.5'],
  ])('%s', async (_, call, warning) => {
    const event = await generation(call);
    for (const key of TOKEN_PROPS) expect(event.properties).not.toHaveProperty(key);
    expect(event.properties).not.toHaveProperty('$ai_error');
    expect(event.properties).not.toHaveProperty('$ai_is_error');
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(warning);
    expect(warnings[0]).toContain('gen.setTokens({ input: 10, output: 20 })');
  });

  it('records the valid counts of a call that also has a wrong one', async () => {
    const event = await generation((gen: any) => gen.setTokens({ input: 12, output: '3' }));
    expect(event.properties.$ai_input_tokens).toBe(12);
    expect(event.properties).not.toHaveProperty('$ai_output_tokens');
    expect(logger.warnings()[0]).toContain('only the valid counts were recorded');
  });

  it("setHttpStatus('200') sends no string status", async () => {
    const event = await generation((gen: any) => gen.setHttpStatus('200'));
    expect(event.properties).not.toHaveProperty('$ai_http_status');
    expect(logger.warnings()).toEqual([
      'gen.setHttpStatus("200"): the status must be an integer from 100 to 599, e.g. gen.setHttpStatus(200); nothing was recorded.',
    ]);
  });

  it('setHttpStatus(200) and setTokens({ input, output }) record numbers', async () => {
    const event = await generation((gen) => {
      gen.setHttpStatus(200);
      gen.setTokens({ input: 10, output: 20, cacheRead: 0 });
    });
    expect(event.properties).toMatchObject({
      $ai_http_status: 200,
      $ai_input_tokens: 10,
      $ai_output_tokens: 20,
      $ai_cache_read_input_tokens: 0,
    });
    expect(logger.warnings()).toEqual([]);
  });

  it('warns at most 5 times a minute for a mistake repeated in a loop', async () => {
    await generation((gen: any) => {
      for (let i = 0; i < 50; i += 1) gen.setTokens(i, i);
    });
    expect(logger.warnings().length).toBeLessThanOrEqual(6);
  });

  it('setProperties, setResponse, setInput with the wrong shape warn and go on', async () => {
    const event = await generation((gen: any) => {
      gen.setProperties('feature=search');
      gen.setResponse('not a response');
      gen.setInput();
    });
    expect(event.properties.$ai_provider).toBe('openai');
    expect(logger.warnings()).toHaveLength(3);
    expect(logger.warnings()[0]).toContain('gen.setProperties("feature=search"): pass one object');
  });
});

describe('hostile values handed to the recorder', () => {
  it('a Proxy that throws, a throwing getter and a cycle never reach the callback', async () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { get: trap, ownKeys: trap, has: trap });
    const cyclic: Record<string, unknown> = { role: 'user', content: 'loop' };
    cyclic.self = cyclic;
    const event = await generation((gen: any) => {
      gen.setInput(hostile);
      gen.setResponse(Object.defineProperty({}, 'choices', { get: trap, enumerable: true }));
      gen.setTokens(Object.defineProperty({}, 'input', { get: trap, enumerable: true }));
      gen.setInput([cyclic]);
    });
    expect(event.properties).not.toHaveProperty('$ai_error');
    expect(event.properties.$ai_input).toEqual([
      { role: 'user', content: 'loop', self: '[Circular]' },
    ]);
  });
  // The guard turned what was thrown into text with String(), which throws in turn for a
  // value whose toString throws: the warning now describes it as every warning does.
  it('a getter that throws a value which cannot be turned into text: one warning, no throw', async () => {
    const unprintable = {
      code: 'E_TRAP',
      toString() {
        throw new Error('no text');
      },
    };
    const throwsUnprintable = () => {
      throw unprintable;
    };
    const event = await generation((gen: any) => {
      gen.setResponse(
        Object.defineProperty({}, 'choices', { get: throwsUnprintable, enumerable: true }),
      );
    });
    expect(event.properties).not.toHaveProperty('$ai_error');
    expect(logger.warnings()).toEqual([
      expect.stringContaining(`gen.setResponse: the value could not be read ("{ code: 'E_TRAP'`),
    ]);
  });
});

describe('programmer errors: a TypeError before the callback runs, no event', () => {
  const calls: [string, () => Promise<unknown>, string][] = [
    [
      'no provider or model',
      () => traceGeneration({ client } as any, () => 'ran'),
      'traceGeneration: `provider` must be a non-empty string such as "openai" or "anthropic", got undefined.',
    ],
    [
      'no model',
      () => traceGeneration({ provider: 'openai', client } as any, () => 'ran'),
      '`model` must be a non-empty string',
    ],
    [
      'an empty provider',
      () => traceGeneration({ provider: ' ', model: 'm', client }, () => 'ran'),
      '`provider` must be a non-empty string',
    ],
    [
      'a callback that is not a function',
      () => traceGeneration({ provider: 'openai', model: 'm', client }, 'ran' as any),
      'the second argument must be the function that makes the call, (gen) => …, got "ran"',
    ],
    [
      'no options',
      () => (traceGeneration as any)(undefined, () => 'ran'),
      'the first argument must be an options object',
    ],
    [
      'a traceId that is not a string',
      () =>
        traceGeneration({ provider: 'openai', model: 'm', traceId: 7 as any, client }, () => 'ran'),
      '`traceId`, when given, must be a string, got 7',
    ],
  ];

  it.each(calls)('%s', async (_, call, message) => {
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(message);
    await client.shutdown();
    expect(server.events.filter((e) => e.event === '$ai_generation')).toEqual([]);
  });

  it('gen.stream(not a stream) throws a TypeError naming the call, and sends no event', async () => {
    const error = await traceGeneration({ provider: 'openai', model: 'm', client }, (gen) =>
      gen.stream({ choices: [] } as never),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('gen.stream({"choices":[]}): pass the stream');
    await client.shutdown();
    expect(server.events.filter((e) => e.event === '$ai_generation')).toEqual([]);
  });

  it('throws even with PostHog off, so the mistake shows in development', async () => {
    const off = new PosthogClient({ config: loadConfig({}) });
    await expect(traceGeneration({ client: off } as any, () => 'ran')).rejects.toBeInstanceOf(
      TypeError,
    );
  });
});
