import { describe, expect, it } from 'vitest';
import { classifyExit } from '../../src/cli/exit-reason.js';

describe('classifyExit', () => {
  it('does not capture help, version, or an exitCode 0', () => {
    for (const code of ['commander.helpDisplayed', 'commander.help', 'commander.version']) {
      expect(classifyExit(Object.assign(new Error(code), { code, exitCode: 0 }))).toEqual({
        kind: 'clean',
        exitCode: 0,
        capture: false,
      });
    }
    expect(classifyExit(Object.assign(new Error('done'), { exitCode: 0 })).capture).toBe(false);
  });

  it('keeps the exit code of a Commander usage error, without capturing it', () => {
    expect(
      classifyExit(Object.assign(new Error('x'), { code: 'commander.unknownOption', exitCode: 1 })),
    ).toEqual({ kind: 'usage', exitCode: 1, capture: false });
  });

  it('exits 130 on an abort, without capturing it', () => {
    expect(classifyExit(new DOMException('stop', 'AbortError'))).toEqual({
      kind: 'abort',
      exitCode: 130,
      capture: false,
    });
    expect(classifyExit(Object.assign(new Error('x'), { code: 'ABORT_ERR' })).kind).toBe('abort');
  });

  it('captures everything else, exit 1, non-errors included', () => {
    for (const thrown of [
      new Error('x'),
      Object.assign(new Error('x'), { exitCode: 2 }),
      'text',
      undefined,
    ]) {
      expect(classifyExit(thrown)).toEqual({ kind: 'crash', exitCode: 1, capture: true });
    }
  });
});
