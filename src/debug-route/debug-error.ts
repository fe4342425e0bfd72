/**
 * The debug route's pure parts (docs/observability.md, "`debugRouter(options?)`"): the allow-list of error kinds and
 * the message rules. No Express here.
 */

/** The message when `?msg=` is absent or empty. */
export const DEFAULT_DEBUG_MESSAGE = 'intentional debug throw';

/** `?msg=` is clipped to this many characters (code points). */
export const MAX_DEBUG_MESSAGE_CHARS = 1_000;

/**
 * A subclass of `base` whose `name` is `name` from construction on, so the
 * stack's first line and PostHog's `$exception_list[0].type` both show it.
 */
function pythonNamed(base: ErrorConstructor, name: string): ErrorConstructor {
  const Named = class extends base {};
  Object.defineProperty(Named, 'name', { value: name });
  Object.defineProperty(Named.prototype, 'name', {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return Named as ErrorConstructor;
}

/**
 * The allow-list for `?kind=`, matched exactly (case-sensitive). The Python
 * names of the FastAPI integration map to the closest JS class and keep their
 * Python name:
 * - `RuntimeError` → `Error` (JS has no narrower class for "something failed"),
 * - `ValueError` → `RangeError` ("a value is not in the allowed set or range"),
 * - `KeyError` → `ReferenceError` (a lookup of something that is not there),
 * - `ZeroDivisionError` → `RangeError` (what JS throws for `1n / 0n`).
 */
export const DEBUG_ERROR_KINDS: ReadonlyMap<string, ErrorConstructor> = new Map<
  string,
  ErrorConstructor
>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['RuntimeError', pythonNamed(Error, 'RuntimeError')],
  ['ValueError', pythonNamed(RangeError, 'ValueError')],
  ['KeyError', pythonNamed(ReferenceError, 'KeyError')],
  ['ZeroDivisionError', pythonNamed(RangeError, 'ZeroDivisionError')],
]);

/**
 * The class for a `?kind=` value; anything not on the allow-list → `Error`.
 *
 * @example
 * debugErrorClass('TypeError'); // TypeError
 * debugErrorClass('Bogus'); // Error
 */
export function debugErrorClass(kind: unknown): ErrorConstructor {
  return (typeof kind === 'string' ? DEBUG_ERROR_KINDS.get(kind) : undefined) ?? Error;
}

/**
 * The message for a `?msg=` value: the default when absent or empty, else
 * clipped to {@link MAX_DEBUG_MESSAGE_CHARS} code points.
 *
 * @example
 * debugErrorMessage(undefined); // 'intentional debug throw'
 */
export function debugErrorMessage(msg: unknown): string {
  if (typeof msg !== 'string' || msg === '') return DEFAULT_DEBUG_MESSAGE;
  if (msg.length <= MAX_DEBUG_MESSAGE_CHARS) return msg;
  return Array.from(msg).slice(0, MAX_DEBUG_MESSAGE_CHARS).join('');
}

/**
 * The error the debug route throws.
 *
 * @example
 * debugError('ValueError', 'bad input'); // a RangeError named "ValueError"
 */
export function debugError(kind: unknown, msg: unknown): Error {
  const ErrorClass = debugErrorClass(kind);
  return new ErrorClass(debugErrorMessage(msg));
}
