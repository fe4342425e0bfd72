/**
 * Reading a thrown value that may fight back: getters that throw, Proxies
 * whose traps throw, revoked Proxies, values JSON cannot encode. Used by
 * `runCli` so that its exit path holds whatever `main` threw
 * (docs/observability.md, "Command-line programs").
 */
import { inspect, types } from 'node:util';

/** Reads `value[key]`; `undefined` when the value has no properties or the read throws. */
export function safeField(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    return undefined;
  }
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

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

function isError(value: unknown): value is Error {
  try {
    return types.isNativeError(value) || value instanceof Error;
  } catch {
    return false;
  }
}

/** A short, never-throwing description of a thrown value, for stderr and event messages. */
export function describeThrown(value: unknown): string {
  if (types.isProxy(value)) return 'a Proxy';
  try {
    return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY }).slice(0, 2_000);
  } catch {
    const name = safeField(value, 'name');
    return typeof name === 'string' ? `${name} whose properties throw when read` : typeof value;
  }
}

/**
 * The error `runCli` captures for a thrown value. A well-behaved `Error` or
 * a string goes as it is (its stack frames kept). Anything else — a Proxy,
 * an error whose getters throw, `null`, a number, a plain or circular object
 * — becomes an `Error` named `ThrownValue`, with the name, message and stack
 * that could be read, and a message saying what was thrown (for an object,
 * its key names, never its values).
 *
 * @example
 * toCapturable(null).message; // 'main threw null'
 */
export function toCapturable(value: unknown): unknown {
  if (typeof value === 'string') return value;
  const proxy = types.isProxy(value);
  if (!proxy && isError(value) && readsCleanly(value)) return value;
  let what: string;
  if (proxy) what = 'a Proxy';
  else if (value === null || value === undefined) what = String(value);
  else if (typeof value === 'object' || typeof value === 'function') {
    const message = safeField(value, 'message');
    const name = safeField(value, 'name');
    if (isError(value)) {
      what = `${typeof name === 'string' ? name : 'an error'} whose properties throw when read${
        typeof message === 'string' ? `: ${message}` : ''
      }`;
    } else {
      let keys = '';
      try {
        keys = Object.keys(value).slice(0, 20).join(', ');
      } catch {
        keys = '';
      }
      what = keys === '' ? `a ${typeof value}` : `an object with keys ${keys}`;
    }
  } else {
    what = `a ${typeof value}: ${describeThrown(value)}`;
  }
  const substitute = new Error(`main threw ${what}`);
  substitute.name = 'ThrownValue';
  const stack = proxy ? undefined : safeField(value, 'stack');
  if (typeof stack === 'string') substitute.stack = stack;
  return substitute;
}
