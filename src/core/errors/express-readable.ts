/**
 * Whether Express's own final handler can report a thrown value without itself throwing
 * (docs/observability.md, "`posthogErrorHandler(options?)`: server exceptions"). Express's
 * final handler (`finalhandler`) and its error log read `status`, `statusCode`, `headers` and
 * `stack` of what `next(err)` received, and call its `toString()` when it has no stack; a value
 * whose reads throw crashes the process from a timer, where nothing can catch it.
 */
import { types } from 'node:util';
import { describeError } from './describe-error.js';

/**
 * True when Express's final handler can read the value as it reads every error: its
 * `status`, `statusCode`, `headers` and `stack`, and `toString()` when the stack is empty.
 * A Proxy is never read (its traps could throw, loop or have effects): false. Never throws.
 *
 * @param value what was thrown.
 * @returns whether `next(value)` is safe to hand to Express's final handler.
 * @example
 * expressCanRead(new Error('x')); // true
 * expressCanRead(Object.defineProperty(new Error('x'), 'stack', { get() { throw 1; } })); // false
 */
export function expressCanRead(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object' && typeof value !== 'function') return true;
  try {
    if (types.isProxy(value)) return false;
    const fields = value as Record<string, unknown>;
    void fields.status;
    void fields.statusCode;
    const headers = fields.headers;
    if (typeof headers === 'object' && headers !== null) {
      for (const key of Object.keys(headers)) void (headers as Record<string, unknown>)[key];
    }
    if (fields.stack) return true;
    return typeof fields.toString === 'function' && typeof String(fields.toString()) === 'string';
  } catch {
    return false;
  }
}

/**
 * The value to hand to `next(err)`: the thrown value itself when Express can read it (see
 * {@link expressCanRead}), else an `Error` named `ThrownValue` whose message says what was
 * thrown, in the words of `describeError`. Never throws.
 *
 * @param value what was thrown.
 * @returns the value itself, or the `ThrownValue` error standing for it.
 * @example
 * forExpress(new Error('x')); // the same error
 * forExpress(revokedProxy).message; // 'the route threw an unreadable object'
 */
export function forExpress(value: unknown): unknown {
  if (expressCanRead(value)) return value;
  const standIn = new Error(`the route threw ${describeError(value)}`);
  standIn.name = 'ThrownValue';
  return standIn;
}
