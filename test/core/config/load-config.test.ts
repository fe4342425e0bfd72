import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config/index.js';
import type { PosthogConfig } from '../../../src/core/config/types.js';
import { recordingLogger } from '../../helpers/logger.js';

function load(env: Record<string, string>, options = {}) {
  const logger = recordingLogger();
  const config = loadConfig(env, { ...options, logger });
  return { config, warnings: logger.warnings() };
}

describe('loadConfig defaults', () => {
  it('is off, on the EU host, with every documented default when the environment is empty', () => {
    const { config, warnings } = load({});
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      enabled: false,
      apiKey: undefined,
      host: 'https://eu.i.posthog.com',
      uiHost: 'https://eu.posthog.com',
      uiHostExplicit: false,
      assetsHost: 'https://eu-assets.i.posthog.com',
      identifyPii: 'email',
      replay: true,
      replayMaskSelector: '',
      llmPayloads: false,
      llmPayloadMaxChars: 30_000,
      environment: 'unknown',
      release: undefined,
      secretKey: undefined,
      jsSrc: 'cdn',
      shutdownTimeoutMs: 5_000,
      debug: false,
      production: false,
    } satisfies Partial<PosthogConfig>);
    expect('release' in config && config.release).toBe(undefined);
  });

  it('returns a frozen object', () => {
    const { config } = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { host: string }).host = 'x';
    }).toThrow(TypeError);
  });
});

type Row = [variable: string, value: string, key: keyof PosthogConfig, expected: unknown];

// Each documented variable with good values: the resolved field, and no warning.
const GOOD: Row[] = [
  ['POSTHOG_API_KEY', '  phc_abc  ', 'apiKey', 'phc_abc'],
  ['POSTHOG_API_KEY', '   ', 'apiKey', undefined],
  ['POSTHOG_HOST', 'https://us.i.posthog.com', 'host', 'https://us.i.posthog.com'],
  ['POSTHOG_HOST', 'https://ph.example.com/', 'host', 'https://ph.example.com'],
  ['POSTHOG_HOST', '', 'host', 'https://eu.i.posthog.com'],
  ['POSTHOG_UI_HOST', 'https://eu.posthog.com', 'uiHost', 'https://eu.posthog.com'],
  ['POSTHOG_IDENTIFY_PII', 'none', 'identifyPii', 'none'],
  ['POSTHOG_IDENTIFY_PII', 'id', 'identifyPii', 'id'],
  ['POSTHOG_IDENTIFY_PII', 'EMAIL', 'identifyPii', 'email'],
  ['POSTHOG_IDENTIFY_PII', 'full', 'identifyPii', 'full'],
  ['POSTHOG_REPLAY', 'off', 'replay', false],
  ['POSTHOG_REPLAY', 'No', 'replay', false],
  ['POSTHOG_REPLAY', '0', 'replay', false],
  ['POSTHOG_REPLAY', '', 'replay', false],
  ['POSTHOG_REPLAY', 'YES', 'replay', true],
  ['POSTHOG_REPLAY_MASK_SELECTOR', '.secret, #ssn', 'replayMaskSelector', '.secret, #ssn'],
  ['POSTHOG_LLM_PAYLOADS', 'true', 'llmPayloads', true],
  ['POSTHOG_LLM_PAYLOADS', 'On', 'llmPayloads', true],
  ['POSTHOG_LLM_PAYLOAD_MAX_CHARS', '120', 'llmPayloadMaxChars', 120],
  ['POSTHOG_ENVIRONMENT', 'staging', 'environment', 'staging'],
  ['POSTHOG_RELEASE', 'v1.2.3', 'release', 'v1.2.3'],
  ['POSTHOG_SECRET_KEY', 'phs_secret', 'secretKey', 'phs_secret'],
  ['POSTHOG_PERSONAL_API_KEY', 'phx_personal', 'secretKey', 'phx_personal'],
  ['POSTHOG_JS_SRC', 'self', 'jsSrc', 'self'],
  ['POSTHOG_JS_SRC', 'CDN', 'jsSrc', 'cdn'],
  ['POSTHOG_CONSENT', 'ask', 'consent', 'ask'],
  ['POSTHOG_CONSENT', 'Cookieless', 'consent', 'cookieless'],
  ['POSTHOG_CONSENT', 'granted', 'consent', 'granted'],
  ['POSTHOG_CONSENT', '', 'consent', 'granted'],
  ['POSTHOG_SHUTDOWN_TIMEOUT_MS', '250', 'shutdownTimeoutMs', 250],
  ['POSTHOG_SNIPPET_HOLD_MS', '120', 'snippetHoldMs', 120],
  ['DEBUG', '1', 'debug', true],
  ['DEBUG', 'TRUE', 'debug', true],
  ['DEBUG', 'false', 'debug', false],
  ['DEBUG', 'express:*', 'debug', false],
  ['DEBUG', 'app,express-posthog', 'debug', false],
  ['NODE_ENV', 'production', 'production', true],
  ['NODE_ENV', 'development', 'production', false],
];

describe('loadConfig reads each variable', () => {
  it.each(GOOD)('%s=%j → %s = %j, without a warning', (variable, value, key, expected) => {
    const { config, warnings } = load({ [variable]: value });
    expect(config[key]).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('is enabled exactly when POSTHOG_API_KEY is set', () => {
    expect(load({ POSTHOG_API_KEY: 'phc_x' }).config.enabled).toBe(true);
    expect(load({ POSTHOG_API_KEY: '' }).config.enabled).toBe(false);
  });

  it('prefers POSTHOG_SECRET_KEY over its alias POSTHOG_PERSONAL_API_KEY', () => {
    const { config } = load({ POSTHOG_SECRET_KEY: 'phs_a', POSTHOG_PERSONAL_API_KEY: 'phx_b' });
    expect(config.secretKey).toBe('phs_a');
  });

  it('keeps the secret key out of JSON and enumeration', () => {
    const { config } = load({ POSTHOG_SECRET_KEY: 'phs_hidden', POSTHOG_API_KEY: 'phc_x' });
    expect(JSON.stringify(config)).not.toContain('phs_hidden');
    expect(Object.keys(config)).not.toContain('secretKey');
    expect(config.secretKey).toBe('phs_hidden');
  });

  it('derives the US app and assets hosts from the US ingestion host', () => {
    const { config } = load({ POSTHOG_HOST: 'https://us.i.posthog.com' });
    expect(config.uiHost).toBe('https://us.posthog.com');
    expect(config.assetsHost).toBe('https://us-assets.i.posthog.com');
  });

  it('uses a self-hosted or proxy host as its own app and assets host', () => {
    const { config } = load({ POSTHOG_HOST: 'https://ph.example.com' });
    expect(config.uiHost).toBe('https://ph.example.com');
    expect(config.assetsHost).toBe('https://ph.example.com');
    expect(config.uiHostExplicit).toBe(false);
  });
});

// Each bad value: the warning names the variable, the value and the default used.
const BAD: [variable: string, value: string, key: keyof PosthogConfig, fallback: unknown][] = [
  ['POSTHOG_UI_HOST', 'eu.posthog.com', 'uiHost', 'https://eu.posthog.com'],
  ['POSTHOG_IDENTIFY_PII', 'everything', 'identifyPii', 'email'],
  ['POSTHOG_REPLAY', 'maybe', 'replay', true],
  ['POSTHOG_LLM_PAYLOADS', 'sometimes', 'llmPayloads', false],
  ['POSTHOG_LLM_PAYLOAD_MAX_CHARS', 'lots', 'llmPayloadMaxChars', 30_000],
  ['POSTHOG_LLM_PAYLOAD_MAX_CHARS', '0', 'llmPayloadMaxChars', 30_000],
  ['POSTHOG_LLM_PAYLOAD_MAX_CHARS', '-5', 'llmPayloadMaxChars', 30_000],
  ['POSTHOG_LLM_PAYLOAD_MAX_CHARS', '1.5', 'llmPayloadMaxChars', 30_000],
  ['POSTHOG_JS_SRC', 'unpkg', 'jsSrc', 'cdn'],
  // The safe reading of a typo in the consent mode is to ask, not the default `granted`.
  ['POSTHOG_CONSENT', 'granded', 'consent', 'ask'],
  ['POSTHOG_CONSENT', 'yes', 'consent', 'ask'],
  ['POSTHOG_SHUTDOWN_TIMEOUT_MS', '5s', 'shutdownTimeoutMs', 5_000],
  ['POSTHOG_SNIPPET_HOLD_MS', '0', 'snippetHoldMs', 50],
  ['LOCAL_DEV_MODE', 'perhaps', 'environment', 'unknown'],
];

describe('loadConfig warns about bad values', () => {
  it.each(BAD)(
    '%s=%j → one warning naming it, and %s falls back',
    (variable, value, key, fallback) => {
      const { config, warnings } = load({ [variable]: value });
      expect(config[key]).toEqual(fallback);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(variable);
      expect(warnings[0]).toContain(JSON.stringify(value));
    },
  );

  it('names what a consent typo reads as, and the default', () => {
    expect(load({ POSTHOG_CONSENT: 'granded' }).warnings[0]).toBe(
      'POSTHOG_CONSENT="granded" is not one of granted, ask, cookieless; using ask (the safe reading of a mistake; the default is granted).',
    );
  });

  it('names the default it used', () => {
    expect(load({ POSTHOG_IDENTIFY_PII: 'all' }).warnings[0]).toBe(
      'POSTHOG_IDENTIFY_PII="all" is not one of none, id, email, full; using the default email.',
    );
    expect(load({ POSTHOG_SHUTDOWN_TIMEOUT_MS: 'soon' }).warnings[0]).toBe(
      'POSTHOG_SHUTDOWN_TIMEOUT_MS="soon" is not a positive integer (1 to 2147483647); using the default 5000.',
    );
    expect(load({ POSTHOG_REPLAY: 'maybe' }).warnings[0]).toBe(
      'POSTHOG_REPLAY="maybe" is not a boolean (use 1/0, true/false, yes/no or on/off); using the default true.',
    );
  });

  it('never throws, whatever the environment holds', () => {
    const junk = Object.fromEntries(
      [
        'POSTHOG_API_KEY',
        'POSTHOG_HOST',
        'POSTHOG_UI_HOST',
        'POSTHOG_IDENTIFY_PII',
        'POSTHOG_REPLAY',
        'POSTHOG_LLM_PAYLOAD_MAX_CHARS',
        'POSTHOG_SHUTDOWN_TIMEOUT_MS',
        'DEBUG',
      ].map((v) => [v, '\u0000<script>💥']),
    );
    expect(() => load(junk)).not.toThrow();
    expect(load(junk).config.host).toBe('https://eu.i.posthog.com');
  });
});

describe('loadConfig resolves environment and release', () => {
  const ENVIRONMENT: [Record<string, string>, string][] = [
    [{ POSTHOG_ENVIRONMENT: 'prod', LOCAL_DEV_MODE: '1', RELEASE_CHANNEL: 'beta' }, 'prod'],
    [{ LOCAL_DEV_MODE: 'true', RELEASE_CHANNEL: 'beta' }, 'local'],
    [{ LOCAL_DEV_MODE: 'false', RELEASE_CHANNEL: 'beta', DEPLOYMENT_ENV: 'eu1' }, 'beta'],
    [{ DEPLOYMENT_ENV: 'eu1', AGNES_DEPLOYMENT_ENV: 'eu2' }, 'eu1'],
    [{ AGNES_DEPLOYMENT_ENV: 'eu2' }, 'eu2'],
    [{ POSTHOG_ENVIRONMENT: '  ' }, 'unknown'],
    [{}, 'unknown'],
  ];
  it.each(ENVIRONMENT)('%j → environment %j', (env, expected) => {
    expect(load(env).config.environment).toBe(expected);
  });

  const RELEASE: [Record<string, string>, string | undefined][] = [
    [
      { POSTHOG_RELEASE: 'r1', APP_VERSION: '2', AGNES_VERSION: '3', RELEASE_CHANNEL: 'beta' },
      'r1',
    ],
    [{ APP_VERSION: '2', AGNES_VERSION: '3', RELEASE_CHANNEL: 'beta' }, '2'],
    [{ AGNES_VERSION: '3', RELEASE_CHANNEL: 'beta' }, '3'],
    [{ RELEASE_CHANNEL: 'beta' }, 'beta'],
    [{}, undefined],
  ];
  it.each(RELEASE)('%j → release %j', (env, expected) => {
    expect(load(env).config.release).toBe(expected);
  });
});

describe('loadConfig options', () => {
  it('lets options win over the environment', () => {
    const { config } = load(
      {
        POSTHOG_HOST: 'https://us.i.posthog.com',
        POSTHOG_REPLAY: 'true',
        POSTHOG_IDENTIFY_PII: 'full',
      },
      { host: 'https://ph.example.com', replay: false, identifyPii: 'id', environment: 'ci' },
    );
    expect(config).toMatchObject({
      host: 'https://ph.example.com',
      replay: false,
      identifyPii: 'id',
      environment: 'ci',
    });
  });

  it('names the option, not a variable, when an option is bad', () => {
    const { config, warnings } = load({}, { llmPayloadMaxChars: -1, identifyPii: 'all' });
    expect(config.llmPayloadMaxChars).toBe(30_000);
    expect(config.identifyPii).toBe('email');
    expect(warnings).toEqual([
      'option identifyPii="all" is not one of none, id, email, full; using the default email.',
      'option llmPayloadMaxChars=-1 is not a positive integer; using the default 30000.',
    ]);
  });

  it('does not mutate the options object it is given', () => {
    const options = Object.freeze({ host: 'https://ph.example.com/' });
    expect(load({}, options).config.host).toBe('https://ph.example.com');
    expect(options.host).toBe('https://ph.example.com/');
  });
});

describe('loadConfig default logger', () => {
  it('writes no debug lines unless DEBUG names express-posthog', () => {
    expect(loadConfig({}).logger.isLevelEnabled?.('debug')).toBe(false);
    expect(loadConfig({ DEBUG: 'express:*' }).logger.isLevelEnabled?.('debug')).toBe(false);
    expect(
      loadConfig({ DEBUG: 'express:*,express-posthog' }).logger.isLevelEnabled?.('debug'),
    ).toBe(true);
    expect(loadConfig({ DEBUG: 'express-posthog*' }).logger.isLevelEnabled?.('warn')).toBe(true);
  });
});

describe('loadConfig in production', () => {
  it('keeps debug off with NODE_ENV=production, and says so once', () => {
    const { config, warnings } = load({ DEBUG: '1', NODE_ENV: 'production' });
    expect(config.debug).toBe(false);
    expect(warnings).toEqual([
      'DEBUG="1" is ignored with NODE_ENV=production: /api/debug/throw and error details stay off. Use `npx express-posthog check` to verify the pipeline in production.',
    ]);
    expect(load({ DEBUG: 'express:*', NODE_ENV: 'production' }).warnings).toEqual([]);
  });
});
