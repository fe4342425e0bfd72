/**
 * The form of a thrown value that posthog-node can capture, whatever was thrown
 * (docs/observability.md, "Command-line programs: `runCli`" and "`$exception` (server)"): the client's
 * `captureException` and `runCli` both send what {@link toCapturable} returns.
 */
import { types } from 'node:util';
import { describeError, isError, safeField } from './describe-error.js';

/** True when every read below works: the value can go to posthog-node as it is. */
function readsCleanly(value: object): boolean {
  try {
    for (const key of ['name', 'message', 'stack', 'cause', 'code', 'exitCode', 'errors']) {
      void (value as Record<string, unknown>)[key];
    }
    return true;
  } catch {
    return false;
  }
}

/** What was thrown, in words, for the substitute's message; never a property's value. */
function whatWasThrown(value: unknown, proxy: boolean): string {
  if (proxy) return 'a Proxy';
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object' && typeof value !== 'function') {
    return `a ${typeof value}: ${describeError(value)}`;
  }
  if (isError(value)) {
    const message = safeField(value, 'message');
    const name = safeField(value, 'name');
    return `${typeof name === 'string' ? name : 'an error'} whose properties throw when read${
      typeof message === 'string' ? `: ${message}` : ''
    }`;
  }
  let keys = '';
  try {
    keys = Object.keys(value).slice(0, 20).join(', ');
  } catch {
    keys = '';
  }
  return keys === '' ? `a ${typeof value}` : `an object with keys ${keys}`;
}

/**
 * The value to capture for a thrown value. A well-behaved `Error` or a string goes as it is
 * (its stack frames kept). Anything else — a Proxy (its traps are never run), an error whose
 * getters throw, `null`, a number, a plain or circular object — becomes an `Error` named
 * `ThrownValue`, with the stack that could be read, and a message saying what was thrown
 * (for an object, its key names, never its values). Never throws.
 *
 * @param value what was thrown.
 * @param thrower who threw it, the message's subject. @default 'the app'
 * @returns the value itself, or the `ThrownValue` error standing for it.
 * @example
 * toCapturable(null, 'main').message; // 'main threw null'
 */
export function toCapturable(value: unknown, thrower = 'the app'): unknown {
  if (typeof value === 'string') return value;
  const proxy = types.isProxy(value);
  if (!proxy && isError(value) && readsCleanly(value)) return value;
  const substitute = new Error(`${thrower} threw ${whatWasThrown(value, proxy)}`);
  substitute.name = 'ThrownValue';
  const stack = proxy ? undefined : safeField(value, 'stack');
  if (typeof stack === 'string') substitute.stack = stack;
  return substitute;
}
