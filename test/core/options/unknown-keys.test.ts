import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { INSPECTOR_API_KEY, posthogInspector } from '../../../src/apps/inspector/index.js';
import { createApp } from '../../../src/apps/reference/index.js';
import { runCli } from '../../../src/cli/index.js';
import { getPosthog, PosthogClient, resetPosthog } from '../../../src/core/client/index.js';
import { loadConfig } from '../../../src/core/config/index.js';
import { debugRouter } from '../../../src/debug-route/index.js';
import { posthogErrorHandler } from '../../../src/error-handler/index.js';
import { captureJobFailure, withJobCapture } from '../../../src/jobs/index.js';
import { traceGeneration } from '../../../src/llm/index.js';
import { posthogProxy } from '../../../src/proxy/index.js';
import { posthogSnippet } from '../../../src/snippet/index.js';
import { posthogUser } from '../../../src/user/index.js';
import { type CaptureServer, startCaptureServer } from '../../helpers/capture-server.js';
import { recordingLogger } from '../../helpers/logger.js';

type Mode = 'enabled' | 'disabled';

/** Where the enabled clients send: a local capture server. */
let server: CaptureServer;
const clients = {} as Record<Mode, PosthogClient>;

beforeAll(async () => {
  server = await startCaptureServer();
  clients.enabled = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_test', host: server.url, logger: recordingLogger() }),
  });
  clients.disabled = new PosthogClient({ config: loadConfig({}, { logger: recordingLogger() }) });
});

/** The inspector's own configs: its key is the one it runs with. */
const inspectorConfig = (mode: Mode) =>
  loadConfig(mode === 'enabled' ? { POSTHOG_API_KEY: INSPECTOR_API_KEY } : {}, {
    logger: recordingLogger(),
  });

/** Calls `f` as plain JavaScript would, with whatever `options` holds. */
type PlainCall = (options: unknown, mode: Mode) => unknown;

interface Factory {
  /** The name its messages start with. */
  readonly name: string;
  /** Every valid key. */
  readonly keys: readonly string[];
  /** Valid options for the mode, which a misspelt key is added to. */
  readonly base: (mode: Mode) => Record<string, unknown>;
  readonly call: PlainCall;
  /** `()` and `{}` (or the least it needs) work in these modes. */
  readonly bare: readonly Mode[];
  /** A key far from every option is a property of the old call form, not a mistake. */
  readonly farKeyIsProperty?: true;
}

const withClient = (mode: Mode) => ({ client: clients[mode] });
const plain = (f: unknown) => f as (...args: unknown[]) => unknown;

const FACTORIES: readonly Factory[] = [
  {
    name: 'posthogSnippet',
    keys: [
      'client',
      'maxBufferBytes',
      'holdMs',
      'nonce',
      'shouldInject',
      'jsSrc',
      'apiHost',
      'assetPrefix',
      'delivery',
      'firstParty',
      'browser',
    ],
    base: withClient,
    call: (options) => plain(posthogSnippet)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'posthogUser',
    keys: ['getUser', 'client'],
    base: withClient,
    call: (options) => plain(posthogUser)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'posthogErrorHandler',
    keys: ['render', 'shouldCapture', 'respond', 'client'],
    base: withClient,
    call: (options) => plain(posthogErrorHandler)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'debugRouter',
    keys: ['getUser', 'path', 'client'],
    base: withClient,
    call: (options) => plain(debugRouter)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'posthogProxy',
    keys: ['path', 'client', 'apiHost', 'assetsHost', 'timeoutMs', 'maxBodyBytes'],
    base: withClient,
    call: (options) => plain(posthogProxy)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'posthogInspector',
    keys: [
      'config',
      'path',
      'allowRemote',
      'maxEvents',
      'maxStoredBytes',
      'maxBodyBytes',
      'maxDecodedBytes',
      'maxObjects',
      'maxDepth',
      'allowedHosts',
      'maxLiveClients',
      'flags',
      'replay',
    ],
    base: (mode) => ({ config: inspectorConfig(mode) }),
    call: (options) => plain(posthogInspector)(options),
    // With a real key set, posthogInspector() is not mounted, by design.
    bare: ['disabled'],
  },
  {
    name: 'createApp',
    keys: [
      'client',
      'auth',
      'demoAuth',
      'demoAuthSecret',
      'snippet',
      'before',
      'inspector',
      'inspectorPath',
      'proxy',
    ],
    base: withClient,
    call: (options) => plain(createApp)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'traceGeneration',
    keys: ['provider', 'model', 'distinctId', 'traceId', 'baseUrl', 'properties', 'client'],
    base: (mode) => ({ provider: 'openai', model: 'gpt-4o-mini', ...withClient(mode) }),
    call: (options) => plain(traceGeneration)(options ?? {}, async () => 'answer'),
    bare: [],
  },
  {
    name: 'captureJobFailure',
    keys: ['client'],
    base: withClient,
    call: (options) => plain(captureJobFailure)(new Error('job failed'), { job: 'j' }, options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'withJobCapture',
    keys: ['client', 'properties'],
    base: withClient,
    call: (options) => plain(withJobCapture)('j', () => 'done', options),
    bare: ['enabled', 'disabled'],
    farKeyIsProperty: true,
  },
  {
    name: 'runCli',
    keys: ['name', 'argv', 'client'],
    base: (mode) => ({ argv: [], ...withClient(mode) }),
    call: (options) => plain(runCli)(() => undefined, options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'new PosthogClient',
    keys: ['config', 'sdk', 'beforeSend'],
    base: (mode) => ({ config: clients[mode].config }),
    call: (options) => new (PosthogClient as unknown as new (o: unknown) => unknown)(options),
    bare: ['enabled', 'disabled'],
  },
  {
    name: 'loadConfig',
    keys: [
      'apiKey',
      'host',
      'uiHost',
      'identifyPii',
      'replay',
      'replayMaskSelector',
      'llmPayloads',
      'llmPayloadMaxChars',
      'environment',
      'release',
      'secretKey',
      'jsSrc',
      'firstParty',
      'snippetHoldMs',
      'consent',
      'shutdownTimeoutMs',
      'debug',
      'production',
      'logger',
    ],
    base: () => ({ logger: recordingLogger() }),
    call: (options, mode) =>
      plain(loadConfig)(mode === 'enabled' ? { POSTHOG_API_KEY: 'phc_test' } : {}, options),
    bare: ['enabled', 'disabled'],
  },
];

/** What the call threw or rejected with; `undefined` when it went through. */
async function outcome(run: () => unknown): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The refusal of `typo`, whose nearest valid key is `near`. */
function refusal(name: string, typo: string, near: string): string {
  return `${name}: unknown option \`${typo}\` — did you mean \`${near}\`? Its options are `;
}

/** Points `getPosthog()` at an enabled or a disabled client. */
async function globalClient(mode: Mode): Promise<void> {
  vi.stubEnv('POSTHOG_API_KEY', mode === 'enabled' ? 'phc_test' : '');
  vi.stubEnv('POSTHOG_HOST', server.url);
  await resetPosthog();
}

afterEach(async () => {
  vi.unstubAllEnvs();
  await resetPosthog();
});

afterAll(async () => {
  await clients.enabled.shutdown();
  await server.close();
});

describe.each(FACTORIES)('$name', (factory) => {
  it.each(['enabled', 'disabled'] as const)(
    'refuses a misspelt key %s, naming it and the nearest valid key',
    async (mode) => {
      const near = factory.keys[factory.keys.length - 1] ?? '';
      const typo = `${near.slice(0, -1)}${near.endsWith('x') ? 'y' : 'x'}`;
      const error = await outcome(() =>
        factory.call({ ...factory.base(mode), [typo]: true }, mode),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe(
        `${refusal(factory.name, typo, near)}${factory.keys.map((k) => `\`${k}\``).join(', ')}.`,
      );
    },
  );

  it.runIf(!factory.farKeyIsProperty).each(['enabled', 'disabled'] as const)(
    'lists the valid keys %s when none is near',
    async (mode) => {
      const error = await outcome(() =>
        factory.call({ ...factory.base(mode), zzzzzzzzzzzz: 1 }, mode),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe(
        `${factory.name}: unknown option \`zzzzzzzzzzzz\`. Its options are ${factory.keys.map((k) => `\`${k}\``).join(', ')}.`,
      );
    },
  );

  it.each(['enabled', 'disabled'] as const)('still takes valid options %s', async (mode) => {
    expect(await outcome(() => factory.call(factory.base(mode), mode))).toBeUndefined();
  });

  if (factory.bare.length > 0) {
    it.each(factory.bare)('still takes () and {} %s', async (mode) => {
      await globalClient(mode);
      expect(getPosthog().enabled).toBe(mode === 'enabled');
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        expect(await outcome(() => factory.call(undefined, mode))).toBeUndefined();
        expect(await outcome(() => factory.call({}, mode))).toBeUndefined();
        // The inspector says so, once, when the app's client was in use before it (here, just
        // above); the second call finds the client its own.
        const said = warn.mock.calls.map((args) => String(args[0]));
        expect(said).toEqual(
          factory.name === 'posthogInspector'
            ? [expect.stringContaining('the PostHog client was in use before')]
            : [],
        );
      } finally {
        warn.mockRestore();
      }
    });
  }
});

describe('withJobCapture, old form', () => {
  it('takes a key far from `client` and `properties` for a property, with the deprecation', async () => {
    const logger = recordingLogger();
    const client = new PosthogClient({ config: loadConfig({}, { logger }) });
    await withJobCapture('j', () => 'done', { component: 'worker' }, client);
    expect(logger.warnings()).toEqual([
      'withJobCapture(job, fn, properties, client) is deprecated: write withJobCapture(job, fn, { properties, client }).',
    ]);
  });
});

/** A one-letter typo or a change of case of `key` that is not itself a valid key. */
function misspelling(key: string, valid: readonly string[]): fc.Arbitrary<string> {
  const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
  const at = fc.nat({ max: key.length - 1 });
  const variants: fc.Arbitrary<string>[] = [
    // another case for some letters
    fc
      .array(fc.boolean(), { minLength: key.length, maxLength: key.length })
      .map((flips) =>
        [...key]
          .map((c, i) =>
            flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c,
          )
          .join(''),
      ),
    // one letter changed, added or dropped
    fc.tuple(at, letter).map(([i, c]) => `${key.slice(0, i)}${c}${key.slice(i + 1)}`),
    fc
      .tuple(fc.nat({ max: key.length }), letter)
      .map(([i, c]) => `${key.slice(0, i)}${c}${key.slice(i)}`),
    at.map((i) => `${key.slice(0, i)}${key.slice(i + 1)}`),
  ];
  return fc.oneof(...variants).filter((typo) => typo !== '' && !valid.includes(typo));
}

describe('every valid key of every factory, misspelt', () => {
  it.each(FACTORIES.map((f) => [f.name, f] as const))(
    '%s refuses a case-changed or one-letter typo, naming the key it was meant to be',
    async (_name, factory) => {
      const cases = fc
        .constantFrom(...factory.keys)
        .chain((key) =>
          fc.tuple(
            fc.constant(key),
            misspelling(key, factory.keys),
            fc.constantFrom<Mode>('enabled', 'disabled'),
          ),
        );
      await fc.assert(
        fc.asyncProperty(cases, async ([key, typo, mode]) => {
          const error = await outcome(() =>
            factory.call({ ...factory.base(mode), [typo]: true }, mode),
          );
          expect(error).toBeInstanceOf(TypeError);
          expect((error as TypeError).message.startsWith(refusal(factory.name, typo, key))).toBe(
            true,
          );
        }),
        { numRuns: 60 },
      );
    },
  );
});

describe('passed to Express without the call', () => {
  it.each([
    ['posthogSnippet', posthogSnippet, 'app.use(posthogSnippet())'],
    ['posthogUser', posthogUser, 'app.use(posthogUser())'],
    ['posthogErrorHandler', posthogErrorHandler, 'app.use(posthogErrorHandler())'],
    ['debugRouter', debugRouter, 'app.use(debugRouter())'],
    ['posthogProxy', posthogProxy, "app.use(posthogProxy({ path: '/ingest' }))"],
    ['posthogInspector', posthogInspector, 'app.use(posthogInspector())'],
    ['createApp', createApp, 'createApp().listen(3000)'],
  ] as const)('%s says what to write on the first request', (name, factory, usage) => {
    const req = { headers: {}, method: 'GET', url: '/' };
    const res = { setHeader: () => undefined, end: () => undefined };
    expect(() => plain(factory)(req, res, () => undefined)).toThrow(
      new TypeError(`${name}: call it — ${usage} — instead of passing ${name} itself to Express.`),
    );
  });
});
