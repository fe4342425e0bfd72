/**
 * What `$ai_error` and `$ai_http_status` say about a failed generation.
 * Pure: no SDK import; reads the `status` both provider SDKs' `APIError` carry. Every read
 * goes through the errors floor, so a thrown value that fights back (a throwing getter, a
 * revoked Proxy) still gives an event.
 */
import { describeError, isError, safeField } from '../core/errors/describe-error.js';
import { clip } from './clip.js';

/**
 * The error's class name: the constructor's name (the OpenAI SDK leaves
 * `error.name` as `"Error"` on its subclasses), else `error.name`, else the
 * value's type for a non-error throw.
 *
 * @example
 * errorClassName(new TypeError('x')); // 'TypeError'
 */
export function errorClassName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const ctor = safeField(safeField(error, 'constructor'), 'name');
  if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return ctor;
  const name = safeField(error, 'name');
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/**
 * The HTTP status an error carries: `error.status` (Anthropic and OpenAI
 * `APIError`), else `error.statusCode`; `undefined` for a network error.
 *
 * @example
 * httpStatusOf(Object.assign(new Error('x'), { status: 429 })); // 429
 */
export function httpStatusOf(error: unknown): number | undefined {
  for (const value of [safeField(error, 'status'), safeField(error, 'statusCode')]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) {
      return value;
    }
  }
  return undefined;
}

/**
 * The text of `$ai_error`. With payloads off: the class and the status only,
 * such as `"InternalServerError (status 500)"` — never the message, because
 * provider errors echo the prompt. With payloads on: the same followed by
 * `": "` and the message, clipped at `maxChars`.
 *
 * @example
 * describeGenerationError(apiError500, { payloads: false, maxChars: 30000 });
 * // 'InternalServerError (status 500)'
 */
export function describeGenerationError(
  error: unknown,
  { payloads, maxChars }: { readonly payloads: boolean; readonly maxChars: number },
): string {
  const status = httpStatusOf(error);
  const head =
    status === undefined ? errorClassName(error) : `${errorClassName(error)} (status ${status})`;
  if (!payloads) return head;
  const read = isError(error) ? safeField(error, 'message') : describeError(error);
  const message = typeof read === 'string' ? read : '';
  return clip(message === '' ? head : `${head}: ${message}`, maxChars);
}
