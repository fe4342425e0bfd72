import type { RequestListener } from 'node:http';
import { sent } from './inject.js';
import { insertedText } from './inserted.js';
import { BROWSER_HTML } from './requests.js';

/** What an injected page has that the bare one has not (identity encoding). */
export interface Inserted {
  /** Body bytes the injected page has more. */
  readonly bytes: number;
  /** The inserted text. */
  readonly text: string;
  /** The injected page's body. */
  readonly page: string;
}

/** GETs `path` from both apps in process, as a browser without compression, and compares. */
export async function inserted(
  bare: RequestListener,
  injected: RequestListener,
  path: string,
  headers: Record<string, string>,
): Promise<Inserted> {
  const request = { ...BROWSER_HTML, ...headers };
  const [a, b] = [await sent(bare, path, request), await sent(injected, path, request)];
  if (a.status !== 200 || b.status !== 200) {
    throw new Error(`${path}: status ${a.status} bare, ${b.status} injected`);
  }
  const page = b.body.toString('latin1');
  return {
    bytes: b.body.length - a.body.length,
    text: insertedText(a.body.toString('latin1'), page),
    page,
  };
}
