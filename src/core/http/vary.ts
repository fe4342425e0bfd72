/**
 * `Vary`, the one way the package adds to it: the snippet (a response left alone because of
 * `Accept`), the error handler (HTML or JSON by `Accept`) and the inspector (CORS by `Origin`).
 */
import type { ServerResponse } from 'node:http';
import { headerText, listTokens } from './header-values.js';

/**
 * Adds `field` to the response's `Vary`, keeping what is there: nothing changes when `Vary`
 * already names it (in any case) or is `*`. Call it before the headers are sent.
 * @param res the response.
 * @param field a request header name, such as `Accept`.
 * @example
 * addVary(res, 'Accept'); // Vary: Accept-Encoding  →  Vary: Accept-Encoding, Accept
 */
export function addVary(res: ServerResponse, field: string): void {
  const current = headerText(res.getHeader('Vary') as string | number | string[] | undefined);
  const text = current?.trim() ?? '';
  const named = listTokens(text);
  if (named.includes('*') || named.includes(field.toLowerCase())) return;
  res.setHeader('Vary', text === '' ? field : `${text}, ${field}`);
}
