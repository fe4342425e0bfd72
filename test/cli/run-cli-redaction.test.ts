import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARMLESS_LINES, SECRET_LINES } from '../fixtures/cli/redaction-corpus.js';
import {
  type CapturedEvent,
  type CaptureServer,
  startCaptureServer,
} from '../helpers/capture-server.js';
import { type ChildResult, runTs } from './run-child.js';

const LINES = SECRET_LINES.length + HARMLESS_LINES.length;

let server: CaptureServer;
let result: ChildResult;
let events: CapturedEvent[];

// One child crashes once per command line (test/fixtures/cli/crash-sequence.ts).
beforeAll(async () => {
  server = await startCaptureServer();
  result = await runTs('test/fixtures/cli/corpus-cli.ts', [], {
    POSTHOG_API_KEY: 'phc_fixture',
    POSTHOG_HOST: server.url,
    POSTHOG_SHUTDOWN_TIMEOUT_MS: '2000',
  });
  events = await server.waitForEvents(LINES, (e) => e.event === '$exception', 5_000);
}, 60_000);

afterAll(async () => {
  await server.close();
});

/** The `argv` sent for the command line at `index`, found by its crash message. */
function argvSent(index: number): unknown {
  return events.find((e) => e.properties.$exception_list?.[0]?.value === `crash ${index}`)
    ?.properties.argv;
}

describe(`the redaction corpus end to end: ${LINES} crashes under runCli`, () => {
  it('every crash exits 1 and arrives once', () => {
    expect(result.code, result.stderr).toBe(1);
    for (let i = 0; i < LINES; i += 1) expect(result.stdout).toContain(`exit ${i} 1\n`);
    expect(events).toHaveLength(LINES);
  });

  it('0 secrets reach the capture server, in any request', () => {
    const wire = JSON.stringify(server.requests);
    const leaked = SECRET_LINES.flatMap((line) => line.secrets).filter((s) => wire.includes(s));
    expect(leaked).toEqual([]);
  });

  it.each(SECRET_LINES.map((line, index) => [line.argv.join(' '), line, index] as const))(
    'keeps the harmless words of %s',
    (_, line, index) => {
      const argv = argvSent(index);
      expect(typeof argv).toBe('string');
      for (const word of line.keep) expect(argv).toContain(word);
    },
  );

  it('sends the harmless command lines as they are', () => {
    for (const [i, argv] of HARMLESS_LINES.entries()) {
      expect(argvSent(SECRET_LINES.length + i)).toBe(argv.join(' '));
    }
  });
});
