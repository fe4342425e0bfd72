import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE } from '../fixtures/cli/hostile-values.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { type ChildResult, runTs } from './run-child.js';

const FIXTURE = 'test/fixtures/cli/hostile-cli.ts';
const KINDS = Object.keys(HOSTILE);

let server: CaptureServer;
let sequence: ChildResult;
let single: ChildResult[];

const env = () => ({
  POSTHOG_API_KEY: 'phc_fixture',
  POSTHOG_HOST: server.url,
  POSTHOG_SHUTDOWN_TIMEOUT_MS: '1000',
});

/** The exception a run sent, told apart by its `argv` (the kind's name). */
const exceptionsOf = (kind: string) =>
  server.events.filter((e) => e.event === '$exception' && e.properties.argv === kind);

// Every kind in one child (crash-sequence.ts), plus the two named
// cases as real processes of their own.
beforeAll(async () => {
  server = await startCaptureServer();
  [sequence, ...single] = await Promise.all([
    runTs(FIXTURE, ['all'], env()),
    runTs(FIXTURE, ['object-code-getter'], env()),
    runTs(FIXTURE, ['throwing-proxy'], env()),
  ]);
  // Waited for, not required: a run that sent nothing fails its own test below.
  await server
    .waitForEvents(KINDS.length + 2, (e) => e.event === '$exception', 5_000)
    .catch(() => []);
}, 60_000);

afterAll(async () => {
  await server.close();
});

describe(`runCli with ${KINDS.length} kinds of hostile thrown values`, () => {
  it('has at least 10 kinds, and the last one ends the process with 1', () => {
    expect(KINDS.length).toBeGreaterThanOrEqual(10);
    expect(sequence.code, sequence.stderr).toBe(1);
  });

  it.each(KINDS.map((kind, index) => [kind, index] as const))(
    '%s: exit 1, captured once with component cli',
    (kind, index) => {
      expect(sequence.stdout.split('\n')).toContain(`exit ${index} 1`);
      const events = exceptionsOf(kind);
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events[0]?.properties).toMatchObject({ component: 'cli', command: 'hostile-cli' });
      expect(events[0]?.properties.$exception_list?.length).toBeGreaterThan(0);
    },
  );

  it('as a process of its own: an object whose code getter throws, and a throwing Proxy', () => {
    for (const result of single) expect(result.code, result.stderr).toBe(1);
    expect(exceptionsOf('object-code-getter')).toHaveLength(2);
    expect(exceptionsOf('throwing-proxy')).toHaveLength(2);
  });

  it('keeps a readable error as it is, and names what was thrown otherwise', () => {
    const first = (kind: string) => exceptionsOf(kind)[0]?.properties.$exception_list?.[0];
    expect(first('string')).toMatchObject({ value: 'a plain string' });
    expect(first('null')).toMatchObject({ type: 'ThrownValue', value: 'main threw null' });
    expect(first('throwing-proxy')).toMatchObject({
      type: 'ThrownValue',
      value: 'main threw a Proxy',
    });
    expect(first('circular')).toMatchObject({
      type: 'ThrownValue',
      value: 'main threw an object with keys reason, self',
    });
    expect(first('code-getter')).toMatchObject({ type: 'ThrownValue' });
    expect(first('code-getter')?.value).toContain('disk full');
  });
});

describe('runCli with PostHog unreachable', () => {
  it('exits 1 within the bound for a throwing Proxy', async () => {
    const result = await runTs(FIXTURE, ['throwing-proxy'], {
      POSTHOG_API_KEY: 'phc_fixture',
      POSTHOG_HOST: 'http://127.0.0.1:9',
      POSTHOG_SHUTDOWN_TIMEOUT_MS: '300',
    });
    expect(result.code).toBe(1);
    expect(result.exitAt).toBeLessThan(5_000);
  });
});
