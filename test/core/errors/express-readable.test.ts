import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expressCanRead, forExpress } from '../../../src/core/errors/express-readable.js';
import { HOSTILE } from '../../fixtures/cli/hostile-values.js';

/** What Express's final handler and its error log read of an error, as they read it. */
function readAsExpressDoes(value: unknown): string {
  const error = value as Record<string, unknown> & { toString(): string };
  void error.status;
  void error.statusCode;
  const headers = error.headers;
  if (typeof headers === 'object' && headers !== null) {
    for (const key of Object.keys(headers)) void (headers as Record<string, unknown>)[key];
  }
  return String(error.stack || error.toString());
}

const FIELDS = ['status', 'statusCode', 'stack', 'headers', 'toString', 'message', 'name'];

describe('forExpress', () => {
  it.each(Object.keys(HOSTILE).filter((kind) => kind !== 'null' && kind !== 'undefined'))(
    'hands Express something it can read for a thrown %s',
    (kind) => {
      const handed = forExpress(HOSTILE[kind]?.());
      expect(() => readAsExpressDoes(handed)).not.toThrow();
    },
  );

  it('keeps a readable error as it is', () => {
    const error = Object.assign(new Error('gone'), { status: 404 });
    expect(forExpress(error)).toBe(error);
  });

  it('says what was thrown when it stands in for it', () => {
    const handed = forExpress(HOSTILE['status-getter']?.()) as Error;
    expect(handed.name).toBe('ThrownValue');
    expect(handed.message).toBe('the route threw Error: status getter');
    expect(forExpress(HOSTILE['revoked-proxy']?.())).toMatchObject({
      message: 'the route threw an unreadable object',
    });
  });

  it('property: for an error whose fields throw when read, Express can read what it is handed', () => {
    fc.assert(
      fc.property(
        fc.subarray(FIELDS, { minLength: 0 }),
        fc.boolean(),
        fc.string(),
        (throwing, asError, message) => {
          const value: object = asError ? new Error(message) : { message };
          for (const field of throwing) {
            Object.defineProperty(value, field, {
              get() {
                throw new Error(`${field} exploded`);
              },
            });
          }
          const handed = forExpress(value);
          expect(() => readAsExpressDoes(handed)).not.toThrow();
          expect(expressCanRead(value)).toBe(handed === value);
        },
      ),
    );
  });
});
