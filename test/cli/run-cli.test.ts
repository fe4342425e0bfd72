import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { type ChildResult, runTs } from './run-child.js';

const FIXTURE = 'test/fixtures/cli/fixture-cli.ts';
const BOUND_MS = 1_000;

let server: CaptureServer;

beforeEach(async () => {
  server = await startCaptureServer();
});

afterEach(async () => {
  await server.close();
});

function runFixture(args: readonly string[], onSpawn?: Parameters<typeof runTs>[3]) {
  return runTs(
    FIXTURE,
    args,
    {
      POSTHOG_API_KEY: 'phc_fixture',
      POSTHOG_HOST: server.url,
      POSTHOG_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
      POSTHOG_ENVIRONMENT: 'ci',
    },
    onSpawn,
  );
}

const exceptions = () => server.events.filter((e) => e.event === '$exception');

/** The run sent its "fixture started" marker (so the pipeline was live) and no $exception. */
async function expectMarkerAndNoException(result: ChildResult) {
  await server.waitForEvents(1, (e) => e.event === 'fixture started', 2_000);
  expect(exceptions(), result.stderr).toEqual([]);
}

describe('runCli crashes', () => {
  it('exits 1 within the shutdown bound while PostHog hangs, having tried to send', async () => {
    server.mode = 'hang';
    const result = await runFixture(['crash']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: disk full while writing the report');
    const crashedAt = result.lineAt.get('crashing');
    expect(crashedAt).toBeDefined();
    const exitDelay = result.exitAt - crashedAt!;
    // It waits for the flush (the host never answers) but no longer than the bound.
    expect(exitDelay).toBeGreaterThanOrEqual(BOUND_MS - 100);
    expect(exitDelay).toBeLessThan(BOUND_MS + 1_500);
    expect(server.connections).toBeGreaterThan(0);
  });

  it('sends the $exception with component, command and redacted argv when the host answers', async () => {
    const args = [
      'crash',
      '--api-key',
      'phc_supersecret123',
      '--region=eu',
      '--password=hunter2',
      'DB_URL=postgres://app:pw1234@db/prod',
    ];
    const result = await runFixture(args);
    expect(result.code).toBe(1);
    const [event, ...more] = await server.waitForEvents(1, (e) => e.event === '$exception', 2_000);
    expect(more).toEqual([]);
    expect(event?.properties).toMatchObject({
      component: 'cli',
      command: 'fixture-cli',
      argv: 'crash --api-key [redacted] --region=eu --password=[redacted] DB_URL=postgres://[redacted]@db/prod',
      environment: 'ci',
    });
    expect(event?.properties.$exception_list[0]).toMatchObject({
      type: 'Error',
      value: 'disk full while writing the report',
    });
    const sent = JSON.stringify(server.requests);
    for (const secret of ['supersecret', 'hunter2', 'pw1234']) expect(sent).not.toContain(secret);
  });

  it.each([
    ['uncaught', 'TypeError', 'thrown from a timer'],
    ['unhandled', 'RangeError', 'nobody awaited this'],
  ])('captures an %s error outside main and exits 1', async (mode, type, value) => {
    const result = await runFixture([mode]);
    expect(result.code).toBe(1);
    const [event] = await server.waitForEvents(1, (e) => e.event === '$exception', 2_000);
    expect(event?.properties.$exception_list[0]).toMatchObject({ type, value });
    expect(event?.properties.component).toBe('cli');
  });
});

describe('runCli non-crashes send no $exception', () => {
  it.each([
    ['help', 0, 'usage: fixture-cli'],
    ['commander-help', 0, 'usage: fixture-cli'],
    ['commander-version', 0, '1.2.3'],
    ['normal', 0, 'done'],
    ['exit-code', 3, ''],
  ])('%s exits %i', async (mode, code, output) => {
    const result = await runFixture([mode]);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stdout).toContain(output);
    expect(result.stderr).toBe('');
    await expectMarkerAndNoException(result);
  });

  it('a Commander usage error exits with its code, without a stack trace or event', async () => {
    const result = await runFixture(['commander-usage']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: unknown option '--bogus'\n");
    await expectMarkerAndNoException(result);
  });

  it('an AbortError exits 130', async () => {
    const result = await runFixture(['abort']);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('fixture-cli: aborted\n');
    await expectMarkerAndNoException(result);
  });

  it('SIGINT exits 130 and flushes what was queued', async () => {
    const result = await runFixture(['wait'], (child, progress) => {
      const poll = setInterval(() => {
        if (progress.lineAt.has('waiting')) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
      child.on('close', () => clearInterval(poll));
    });
    expect(result.code).toBe(130);
    await expectMarkerAndNoException(result);
  });
});

describe('runCli, given a client that is not one', () => {
  it('rejects with a TypeError naming the option, before the program runs', async () => {
    let ran = false;
    await expect(
      runCli(
        async () => {
          ran = true;
        },
        { name: 'reindex', client: { config: {} } as never },
      ),
    ).rejects.toThrow('runCli: `client` must be a PosthogClient, got {"config":{}}.');
    expect(ran).toBe(false);
  });
});
