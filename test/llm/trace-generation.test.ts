import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { traceGeneration } from '../../src/llm/index.js';
import { HOSTILE } from '../fixtures/cli/hostile-values.js';
import {
  type CapturedEvent,
  type CaptureServer,
  closedPort,
  startCaptureServer,
} from '../helpers/capture-server.js';
import {
  answeredModel,
  type FakeLlmProvider,
  startFakeLlmProvider,
} from '../helpers/fake-llm-provider.js';
import { recordingLogger } from '../helpers/logger.js';

let server: CaptureServer;
let provider: FakeLlmProvider;
let client: PosthogClient;

/** A real client configured from environment variables, as an operator would. */
function clientFromEnv(env: Record<string, string> = {}): PosthogClient {
  const config = loadConfig(
    { POSTHOG_API_KEY: 'phc_test', POSTHOG_HOST: server.url, ...env },
    { logger: recordingLogger() },
  );
  return new PosthogClient({ config });
}

function anthropic(baseURL = provider.url) {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL, maxRetries: 0 });
}

function openai(baseURL = `${provider.url}/v1`) {
  return new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
}

/** Flushes and returns the one `$ai_generation` that arrived, failing if there were more. */
async function theGeneration(): Promise<CapturedEvent> {
  await client.shutdown();
  await server.waitForEvents(1, (e) => e.event === '$ai_generation');
  const generations = server.events.filter((e) => e.event === '$ai_generation');
  expect(generations).toHaveLength(1);
  return generations[0]!;
}

const SECRET_PROMPT = 'my card number is 4111 1111 1111 1111';
/** `$ai_output_choices` for one text answer, as PostHog documents it. */
const said = (text: string) => [{ role: 'assistant', content: [{ type: 'text', text }] }];
const MESSAGES = [{ role: 'user' as const, content: SECRET_PROMPT }];

beforeEach(async () => {
  server = await startCaptureServer();
  provider = await startFakeLlmProvider();
  client = clientFromEnv();
});

afterEach(async () => {
  await client.shutdown();
  await provider.close();
  await server.close();
});

describe('traceGeneration with the real SDKs, JSON responses', () => {
  it('sends one $ai_generation for an Anthropic message: provider, model, trace, latency, tokens', async () => {
    provider.delayMs = 150;
    const sdk = anthropic();
    const result = await traceGeneration(
      {
        provider: 'anthropic',
        model: 'claude-test',
        traceId: 'trace-1',
        baseUrl: sdk.baseURL,
        client,
      },
      async (gen) => {
        gen.setInput(MESSAGES);
        const message = await sdk.messages.create({
          model: 'claude-test',
          max_tokens: 64,
          messages: MESSAGES,
        });
        gen.setResponse(message);
        return message;
      },
    );
    expect(result.content[0]).toMatchObject({ type: 'text', text: provider.reply });
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_provider: 'anthropic',
      $ai_model: answeredModel('claude-test'),
      $ai_trace_id: 'trace-1',
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
      $ai_cache_read_input_tokens: 3,
      $ai_base_url: provider.url,
      environment: 'unknown',
    });
    expect(event.properties.$ai_latency).toBeGreaterThanOrEqual(0.14);
    expect(event.properties.$ai_latency).toBeLessThan(5);
    expect(event.properties).not.toHaveProperty('$ai_is_error');
    expect(event.properties).not.toHaveProperty('$ai_stream');
  });

  it('sends payload fields only when POSTHOG_LLM_PAYLOADS is on (off by default)', async () => {
    await traceGeneration({ provider: 'anthropic', model: 'claude-test', client }, async (gen) => {
      gen.setInput(MESSAGES);
      gen.setResponse(
        await anthropic().messages.create({
          model: 'claude-test',
          max_tokens: 64,
          messages: MESSAGES,
        }),
      );
    });
    const event = await theGeneration();
    expect(event.properties).not.toHaveProperty('$ai_input');
    expect(event.properties).not.toHaveProperty('$ai_output_choices');
    expect(JSON.stringify(event)).not.toContain('4111');
    expect(JSON.stringify(event)).not.toContain(provider.reply);
  });

  it('reads an OpenAI Chat Completion, with a fresh trace id when none is given', async () => {
    await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, async (gen) => {
      gen.setResponse(
        await openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES }),
      );
    });
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_provider: 'openai',
      $ai_model: answeredModel('gpt-test'),
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
      $ai_cache_read_input_tokens: 3,
    });
    expect(event.properties.$ai_trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads an OpenAI Responses answer', async () => {
    await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, async (gen) => {
      gen.setResponse(await openai().responses.create({ model: 'gpt-test', input: SECRET_PROMPT }));
    });
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_model: answeredModel('gpt-test'),
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
    });
  });
});

describe('traceGeneration payloads', () => {
  // 43 characters: clipped at 20, 23 are dropped.
  const REPLY = 'The quick brown fox jumps over the lazy dog';

  it('clips each message of $ai_input and $ai_output_choices at POSTHOG_LLM_PAYLOAD_MAX_CHARS with the exact count', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1', POSTHOG_LLM_PAYLOAD_MAX_CHARS: '20' });
    provider.reply = REPLY;
    const messages = [
      { role: 'user' as const, content: SECRET_PROMPT },
      { role: 'assistant' as const, content: 'short' },
      { role: 'user' as const, content: REPLY },
    ];
    await traceGeneration({ provider: 'anthropic', model: 'claude-test', client }, async (gen) => {
      gen.setInput(messages);
      gen.setResponse(
        await anthropic().messages.create({ model: 'claude-test', max_tokens: 64, messages }),
      );
    });
    const event = await theGeneration();
    // Each message keeps its role and 20 characters of text; N counts what was dropped.
    expect(SECRET_PROMPT.length).toBe(37);
    expect(event.properties.$ai_input).toEqual([
      { role: 'user', content: 'my card number is 41…[truncated 17 chars]' },
      { role: 'assistant', content: 'short' },
      { role: 'user', content: 'The quick brown fox …[truncated 23 chars]' },
    ]);
    expect(event.properties.$ai_output_choices).toEqual(
      said('The quick brown fox …[truncated 23 chars]'),
    );
  });

  it('sends payloads whole when they fit', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: 'true' });
    provider.reply = REPLY;
    await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, async (gen) => {
      gen.setInput(SECRET_PROMPT);
      gen.setResponse(
        await openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES }),
      );
    });
    const event = await theGeneration();
    expect(event.properties.$ai_input).toEqual([{ role: 'user', content: SECRET_PROMPT }]);
    expect(event.properties.$ai_output_choices).toEqual(said(REPLY));
  });
});

describe('traceGeneration failures', () => {
  it.each([
    [
      'anthropic',
      () =>
        anthropic().messages.create({ model: 'claude-test', max_tokens: 64, messages: MESSAGES }),
    ],
    ['openai', () => openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES })],
  ] as const)(
    'on a %s 500 re-throws the same error and records class and status, never the prompt',
    async (name, call) => {
      provider.mode = 500;
      let thrown: unknown;
      const caught = await traceGeneration({ provider: name, model: 'm', client }, async () => {
        try {
          return await call();
        } catch (error) {
          thrown = error;
          throw error;
        }
      }).catch((error: unknown) => error);
      expect(caught).toBe(thrown);
      expect((caught as Error).message).toContain('4111'); // the SDK's message echoes the prompt…
      const event = await theGeneration();
      expect(event.properties).toMatchObject({
        $ai_is_error: true,
        $ai_http_status: 500,
        $ai_error: 'InternalServerError (status 500)',
      });
      expect(JSON.stringify(event)).not.toContain('4111'); // …the event does not
    },
  );

  it('with payloads on, puts the clipped error message in $ai_error', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: 'on', POSTHOG_LLM_PAYLOAD_MAX_CHARS: '40' });
    provider.mode = 500;
    const caught = await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, () =>
      openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES }),
    ).catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(OpenAI.InternalServerError);
    const full = `InternalServerError (status 500): ${(caught as Error).message}`;
    const event = await theGeneration();
    // 40 characters kept: the 34 of the class and status, then the message's first 6.
    expect(event.properties.$ai_error).toBe(
      `InternalServerError (status 500): 500 in…[truncated ${full.length - 40} chars]`,
    );
  });

  it('on a network error re-throws the same error, with no HTTP status', async () => {
    const port = await closedPort();
    const sdk = anthropic(`http://127.0.0.1:${port}`);
    let thrown: unknown;
    const caught = await traceGeneration(
      { provider: 'anthropic', model: 'claude-test', baseUrl: sdk.baseURL, client },
      () =>
        sdk.messages
          .create({ model: 'claude-test', max_tokens: 64, messages: MESSAGES })
          .catch((error: unknown) => {
            thrown = error;
            throw error;
          }),
    ).catch((error: unknown) => error);
    expect(caught).toBe(thrown);
    expect(caught).toBeInstanceOf(Anthropic.APIConnectionError);
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_is_error: true,
      $ai_error: 'APIConnectionError',
      $ai_base_url: `http://127.0.0.1:${port}`,
    });
    expect(event.properties).not.toHaveProperty('$ai_http_status');
  });

  it('records a failure in the callback itself by class only', async () => {
    const bug = new TypeError(`cannot read ${SECRET_PROMPT}`);
    await expect(
      traceGeneration({ provider: 'openai', model: 'gpt-test', client }, () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
    const event = await theGeneration();
    expect(event.properties.$ai_error).toBe('TypeError');
    expect(event.properties.$ai_model).toBe('gpt-test');
  });
});

describe('traceGeneration, hostile failures and clients', () => {
  it.each([
    ['an object with no prototype', () => Object.create(null)],
    ['a revoked Proxy', HOSTILE['revoked-proxy']!],
    ['a Proxy whose traps throw', HOSTILE['throwing-proxy']!],
    [
      'an error whose message and status getters throw',
      () =>
        Object.defineProperties(new Error('x'), {
          message: {
            get() {
              throw new Error('no');
            },
          },
          status: {
            get() {
              throw new Error('no');
            },
          },
        }),
    ],
  ])(
    'still sends the event, with payloads on, when the callback throws %s',
    async (_what, make) => {
      await client.shutdown();
      client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: 'true' });
      const thrown: unknown = make();
      await expect(
        traceGeneration({ provider: 'openai', model: 'gpt-test', client }, () => {
          throw thrown;
        }),
      ).rejects.toBe(thrown);
      const event = await theGeneration();
      expect(event.properties).toMatchObject({
        $ai_is_error: true,
        $ai_provider: 'openai',
        $ai_model: 'gpt-test',
      });
      // The class, then what could be read of the message: never empty, never the raw value.
      expect(event.properties.$ai_error).toMatch(/^\w+(?:: .+)?$/s);
    },
  );

  it('refuses a client that is not one with a TypeError, before the callback runs', async () => {
    let ran = false;
    await expect(
      traceGeneration({ provider: 'openai', model: 'gpt-test', client: 'nope' as never }, () => {
        ran = true;
      }),
    ).rejects.toThrow(
      'traceGeneration: `client` must be a PosthogClient, got "nope". Pass getPosthog() or new PosthogClient({ config: loadConfig() }), or leave it out.',
    );
    expect(ran).toBe(false);
  });
});

describe('traceGeneration streams', () => {
  it('accumulates an Anthropic stream: tokens, model and, with payloads on, the text', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1' });
    let text = '';
    await traceGeneration({ provider: 'anthropic', model: 'claude-test', client }, async (gen) => {
      const stream = await anthropic().messages.create({
        model: 'claude-test',
        max_tokens: 64,
        messages: MESSAGES,
        stream: true,
      });
      for await (const event of gen.stream(stream)) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          text += event.delta.text;
        }
      }
    });
    expect(text).toBe(provider.reply);
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_model: answeredModel('claude-test'),
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
      $ai_stream: true,
      $ai_output_choices: said(provider.reply),
    });
  });

  it('accumulates an OpenAI Chat Completions stream with its usage chunk', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1' });
    await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, async (gen) => {
      const stream = await openai().chat.completions.create({
        model: 'gpt-test',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _chunk of gen.stream(stream)) {
        // consume
      }
    });
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_model: answeredModel('gpt-test'),
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
      $ai_output_choices: said(provider.reply),
    });
  });

  it('accumulates an OpenAI Responses stream', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1' });
    await traceGeneration({ provider: 'openai', model: 'gpt-test', client }, async (gen) => {
      const stream = await openai().responses.create({
        model: 'gpt-test',
        input: SECRET_PROMPT,
        stream: true,
      });
      for await (const _event of gen.stream(stream)) {
        // consume
      }
    });
    const event = await theGeneration();
    expect(event.properties).toMatchObject({
      $ai_input_tokens: 11,
      $ai_output_tokens: 7,
      $ai_output_choices: said(provider.reply),
    });
  });

  it.each([
    [
      'anthropic',
      () =>
        anthropic().messages.create({
          model: 'claude-test',
          max_tokens: 64,
          messages: MESSAGES,
          stream: true,
        }),
    ],
    [
      'openai',
      () =>
        openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true }),
    ],
  ] as [string, () => Promise<AsyncIterable<unknown>>][])(
    'emits exactly one error event when a %s stream fails midway, with what arrived',
    async (name, call) => {
      client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1' });
      provider.reply = 'one two three four';
      provider.mode = 'cut-stream';
      let thrown: unknown;
      const caught = await traceGeneration({ provider: name, model: 'm', client }, async (gen) => {
        try {
          for await (const _chunk of gen.stream(await call())) {
            // consume
          }
        } catch (error) {
          thrown = error;
          throw error;
        }
      }).catch((error: unknown) => error);
      expect(thrown).toBeDefined();
      expect(caught).toBe(thrown);
      const event = await theGeneration();
      expect(event.properties.$ai_is_error).toBe(true);
      expect(event.properties.$ai_stream).toBe(true);
      expect(event.properties.$ai_output_choices).toEqual(said('one two '));
    },
  );

  it('waits for a stream handed out of the callback, and counts it once when closed early', async () => {
    client = clientFromEnv({ POSTHOG_LLM_PAYLOADS: '1' });
    const stream = await traceGeneration(
      { provider: 'openai', model: 'gpt-test', client },
      async (gen) =>
        gen.stream(
          await openai().chat.completions.create({
            model: 'gpt-test',
            messages: MESSAGES,
            stream: true,
          }),
        ),
    );
    await client.flush();
    expect(server.events.filter((e) => e.event === '$ai_generation')).toHaveLength(0);
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break; // the first text chunk: 'Hello '
    }
    const event = await theGeneration();
    expect(event.properties.$ai_output_choices).toEqual(said('Hello '));
    expect(event.properties).not.toHaveProperty('$ai_is_error');
  });
});

describe('traceGeneration distinct id', () => {
  const call = (distinctId?: string) =>
    traceGeneration(
      { provider: 'openai', model: 'gpt-test', client, ...(distinctId ? { distinctId } : {}) },
      async (gen) =>
        gen.setResponse(
          await openai().chat.completions.create({ model: 'gpt-test', messages: MESSAGES }),
        ),
    );

  it("takes the SDK request context's user, even when the stream ends elsewhere", async () => {
    await client.withContext({ distinctId: 'user-7' }, () => call());
    const event = await theGeneration();
    expect(event.distinct_id).toBe('user-7');
  });

  it('lets an explicit distinct id win over the context', async () => {
    await client.withContext({ distinctId: 'user-7' }, () => call('explicit-1'));
    const event = await theGeneration();
    expect(event.distinct_id).toBe('explicit-1');
  });

  it('is personless outside any context: a fresh id per call, never a shared literal', async () => {
    await call();
    await call();
    await client.shutdown();
    const events = await server.waitForEvents(2, (e) => e.event === '$ai_generation');
    const ids = events.map((e) => e.distinct_id);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain('anonymous');
    for (const event of events) expect(event.properties.$process_person_profile).toBe(false);
  });
});

describe('traceGeneration when PostHog is off', () => {
  it('only runs the callback: same result, no connection', async () => {
    const off = new PosthogClient({ config: loadConfig({ POSTHOG_HOST: server.url }) });
    const result = await traceGeneration(
      { provider: 'openai', model: 'gpt-test', client: off },
      async (gen) => {
        const stream = gen.stream(
          await openai().chat.completions.create({
            model: 'gpt-test',
            messages: MESSAGES,
            stream: true,
          }),
        );
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      },
    );
    expect(result).toBe(provider.reply);
    await off.shutdown();
    expect(server.connections).toBe(0);
  });
});
