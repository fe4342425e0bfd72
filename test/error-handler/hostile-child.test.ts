import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildResult, runTs } from '../cli/run-child.js';
import { HOSTILE } from '../fixtures/cli/hostile-values.js';

const FIXTURE = 'test/fixtures/error-handler/hostile-server.ts';
/**
 * Every hostile value but `null` and `undefined`: Express reads a thrown `null` or
 * `undefined` as "no error" and routes on, so no error handler ever sees them.
 */
const KINDS = Object.keys(HOSTILE).filter((kind) => kind !== 'null' && kind !== 'undefined');

let child: ChildProcess;
let result: ChildResult;
let exited: Promise<ChildResult>;
let port = 0;

/** What a client saw: the status and body of a response that ended, or that it was cut. */
function fetchOutcome(path: string): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer within 3 s'), 3_000);
    const done = (outcome: string) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const call = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done(`${res.statusCode} ended: ${body}`));
      res.on('aborted', () => done(`${res.statusCode} cut: ${body}`));
      res.on('error', () => done(`${res.statusCode} cut: ${body}`));
    });
    call.on('error', (error) => done(`request error: ${error.message}`));
    call.end();
  });
}

beforeAll(async () => {
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    listening = () => resolve();
  });
  // NODE_ENV=development: Express's own error log runs, as in an app under development.
  exited = runTs(FIXTURE, [], { NODE_ENV: 'development' }, (spawned, state) => {
    child = spawned;
    result = state;
    spawned.stdout?.on('data', () => {
      const match = /listening (\d+)/.exec(state.stdout);
      if (match) {
        port = Number(match[1]);
        listening();
      }
    });
  });
  await Promise.race([
    ready,
    exited.then((early) => {
      throw new Error(`the server exited before listening: ${early.stderr}`);
    }),
  ]);
}, 30_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGTERM');
  await exited;
});

describe.each(['4', '5'])('posthogErrorHandler in a live process on Express %s', (version) => {
  it.each(KINDS)('answers a thrown %s before the headers were sent with a 500', async (kind) => {
    const outcome = await fetchOutcome(`/${version}/${kind}/before`);
    expect(outcome).toMatch(/^500 ended: \{"error":"internal_error","request_id":null\}$/);
    expect(child.exitCode, result.stderr).toBeNull();
  });

  it.each(KINDS)('ends the response of a thrown %s after the headers were sent', async (kind) => {
    const outcome = await fetchOutcome(`/${version}/${kind}/after`);
    expect(outcome).toBe('200 cut: partial ');
    expect(child.exitCode, result.stderr).toBeNull();
  });
});

describe('the process after every hostile value', () => {
  it('is still alive and serving, with no uncaught exception on stderr', async () => {
    for (const version of ['4', '5']) {
      for (const kind of KINDS) await fetchOutcome(`/${version}/${kind}/after`);
    }
    expect(await fetchOutcome('/alive')).toBe(`200 ended: alive ${child.pid}`);
    expect(child.exitCode).toBeNull();
    expect(result.stderr).not.toMatch(/Uncaught|uncaughtException|Error: trap/);
  });
});
