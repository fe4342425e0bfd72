/**
 * The same OpenAI and Anthropic calls traced by `traceGeneration` and by
 * `@posthog/ai`'s wrappers, both SDKs pointed at the loopback fake provider,
 * both posting through real posthog-node clients to one capture server: the
 * two `$ai_generation` events carry the same `$ai_input`, the same
 * `$ai_output_choices` and the same token fields.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Anthropic as PostHogAnthropic } from '@posthog/ai/anthropic';
import { OpenAI as PostHogOpenAI } from '@posthog/ai/openai';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PosthogClient } from '../../src/core/client/index.js';
import { loadConfig } from '../../src/core/config/index.js';
import { type GenerationRecorder, traceGeneration } from '../../src/llm/index.js';
import {
  type CapturedEvent,
  type CaptureServer,
  startCaptureServer,
} from '../helpers/capture-server.js';
import { type FakeLlmProvider, startFakeLlmProvider } from '../helpers/fake-llm-provider.js';
import { recordingLogger } from '../helpers/logger.js';

let server: CaptureServer;
let provider: FakeLlmProvider;
let ours: PosthogClient;
let theirs: PostHog;

const SYSTEM = 'You answer in one sentence.';
const MESSAGES = [
  { role: 'user' as const, content: 'What is the capital of France?' },
  { role: 'assistant' as const, content: 'Paris.' },
  { role: 'user' as const, content: 'And of Italy?' },
];

type Sdks = { openai: OpenAI; anthropic: Anthropic };

/** One call, written once, run through both tracers. */
interface Case {
  readonly name: string;
  readonly provider: 'openai' | 'anthropic';
  /**
   * @posthog/ai sends a streamed Responses answer's raw output items (with
   * `id`, `status`, `output_text` parts) where a whole answer gets text parts;
   * traceGeneration gives both the same text parts (docs/observability.md).
   */
  readonly rawOutputThere?: boolean;
  /** Makes the call with `sdks`; with `gen`, records it as an app using traceGeneration would. */
  run(sdks: Sdks, extra: Record<string, unknown>, gen?: GenerationRecorder): Promise<unknown>;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream) {
    // consume
  }
}

const CASES: Case[] = [
  {
    name: 'OpenAI Chat Completions',
    provider: 'openai',
    async run({ openai }, extra, gen) {
      const params = {
        model: 'gpt-test',
        messages: [{ role: 'system' as const, content: SYSTEM }, ...MESSAGES],
      };
      gen?.setInput(params);
      const response = await openai.chat.completions.create({ ...params, ...extra });
      gen?.setResponse(response);
    },
  },
  {
    name: 'OpenAI Chat Completions, streamed',
    provider: 'openai',
    async run({ openai }, extra, gen) {
      const params = {
        model: 'gpt-test',
        messages: MESSAGES,
        stream: true as const,
        stream_options: { include_usage: true },
      };
      gen?.setInput(params);
      const stream = await openai.chat.completions.create({ ...params, ...extra });
      await drain(gen ? gen.stream(stream) : stream);
    },
  },
  {
    name: 'OpenAI Responses, instructions and a string',
    provider: 'openai',
    async run({ openai }, extra, gen) {
      const params = { model: 'gpt-test', instructions: SYSTEM, input: 'And of Italy?' };
      gen?.setInput(params);
      const response = await openai.responses.create({ ...params, ...extra });
      gen?.setResponse(response);
    },
  },
  {
    name: 'OpenAI Responses, messages',
    provider: 'openai',
    async run({ openai }, extra, gen) {
      const params = { model: 'gpt-test', input: MESSAGES };
      gen?.setInput(params);
      const response = await openai.responses.create({ ...params, ...extra });
      gen?.setResponse(response);
    },
  },
  {
    name: 'OpenAI Responses, streamed',
    provider: 'openai',
    rawOutputThere: true,
    async run({ openai }, extra, gen) {
      const params = { model: 'gpt-test', input: MESSAGES, stream: true as const };
      gen?.setInput(params);
      const stream = await openai.responses.create({ ...params, ...extra });
      await drain(gen ? gen.stream(stream) : stream);
    },
  },
  {
    name: 'Anthropic Messages',
    provider: 'anthropic',
    async run({ anthropic }, extra, gen) {
      const params = { model: 'claude-test', max_tokens: 64, system: SYSTEM, messages: MESSAGES };
      gen?.setInput(params);
      const response = await anthropic.messages.create({ ...params, ...extra });
      gen?.setResponse(response);
    },
  },
  {
    name: 'Anthropic Messages, streamed',
    provider: 'anthropic',
    async run({ anthropic }, extra, gen) {
      const params = {
        model: 'claude-test',
        max_tokens: 64,
        messages: MESSAGES,
        stream: true as const,
      };
      gen?.setInput(params);
      const stream = await anthropic.messages.create({ ...params, ...extra });
      await drain(gen ? gen.stream(stream) : stream);
    },
  },
];

const TOKEN_FIELDS = [
  '$ai_input_tokens',
  '$ai_output_tokens',
  '$ai_cache_read_input_tokens',
  '$ai_cache_creation_input_tokens',
];

const generations = new Map<string, { ours?: CapturedEvent; theirs?: CapturedEvent }>();

beforeAll(async () => {
  server = await startCaptureServer();
  provider = await startFakeLlmProvider();
  const config = loadConfig(
    { POSTHOG_API_KEY: 'phc_test', POSTHOG_HOST: server.url, POSTHOG_LLM_PAYLOADS: '1' },
    { logger: recordingLogger() },
  );
  ours = new PosthogClient({ config });
  theirs = new PostHog('phc_test', { host: server.url, flushAt: 1, flushInterval: 0 });
  const plain: Sdks = {
    openai: new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.url, maxRetries: 0 }),
  };
  const wrapped = {
    openai: new PostHogOpenAI({
      apiKey: 'sk-test',
      baseURL: `${provider.url}/v1`,
      maxRetries: 0,
      posthog: theirs,
    }),
    anthropic: new PostHogAnthropic({
      apiKey: 'sk-ant-test',
      baseURL: provider.url,
      maxRetries: 0,
      posthog: theirs,
    }),
  } as unknown as Sdks;
  for (const c of CASES) {
    await traceGeneration(
      { provider: c.provider, model: 'm', client: ours, properties: { case: c.name } },
      (gen) => c.run(plain, {}, gen),
    );
    await c.run(wrapped, { posthogProperties: { case: c.name }, posthogDistinctId: 'parity' });
  }
  // @posthog/ai captures a stream's event in the background once the stream ends.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await ours.shutdown();
  await theirs.shutdown();
  const events = await server
    .waitForEvents(CASES.length * 2, (e) => e.event === '$ai_generation', 5_000)
    .catch(() => server.events.filter((e) => e.event === '$ai_generation'));
  for (const event of events) {
    const entry = generations.get(event.properties.case) ?? {};
    if (event.properties.$ai_lib === 'posthog-ai') entry.theirs = event;
    else entry.ours = event;
    generations.set(event.properties.case, entry);
  }
}, 60_000);

afterAll(async () => {
  await provider.close();
  await server.close();
});

describe('traceGeneration and @posthog/ai, side by side', () => {
  it.each(CASES.map((c) => [c.name] as const))(
    '%s: same $ai_input and $ai_output_choices',
    (name) => {
      const { ours: a, theirs: b } = generations.get(name) ?? {};
      expect(a, 'traceGeneration event').toBeDefined();
      expect(b, '@posthog/ai event').toBeDefined();
      expect(Array.isArray(a?.properties.$ai_input)).toBe(true);
      expect(a?.properties.$ai_input).toEqual(b?.properties.$ai_input);
      if (CASES.find((c) => c.name === name)?.rawOutputThere) {
        const [item] = b?.properties.$ai_output_choices ?? [];
        expect(a?.properties.$ai_output_choices).toEqual([
          { role: item.role, content: [{ type: 'text', text: item.content[0].text }] },
        ]);
      } else {
        expect(a?.properties.$ai_output_choices).toEqual(b?.properties.$ai_output_choices);
      }
      expect(a?.properties.$ai_output_choices[0].content[0].text).toBe(provider.reply);
    },
  );

  it.each(CASES.map((c) => [c.name] as const))('%s: same token fields', (name) => {
    const { ours: a, theirs: b } = generations.get(name) ?? {};
    const tokens = (event?: CapturedEvent) =>
      Object.fromEntries(TOKEN_FIELDS.map((key) => [key, event?.properties[key]]));
    expect(tokens(a)).toEqual(tokens(b));
    expect(a?.properties.$ai_input_tokens).toBe(provider.usage.input);
  });
});
