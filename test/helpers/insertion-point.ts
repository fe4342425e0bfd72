import { asBuffer } from '../../src/snippet/html/bytes.js';
import { POSTHOG_INIT_CALL } from '../../src/snippet/html/script-guard.js';
import {
  type InsertionDecision,
  InsertionPointScanner,
  SNIPPET_MARKER_ATTRIBUTE,
} from '../../src/snippet/insertion-point.js';

/** The markers that, found in markup before the insertion point, leave a page alone. */
export const GUARD_STRINGS: readonly string[] = Object.freeze([
  SNIPPET_MARKER_ATTRIBUTE,
  POSTHOG_INIT_CALL,
]);

/**
 * The scanner's final decision for a whole body, written in one chunk: what the streamed
 * decision is compared with.
 * @example
 * findInsertionPoint(Buffer.from('<head></head>')); // { kind: 'insert', offset: 6, anchor: 'head' }
 */
export function findInsertionPoint(body: Uint8Array): InsertionDecision {
  const scanner = new InsertionPointScanner();
  const decision = scanner.write(asBuffer(body));
  return decision.kind === 'pending' ? scanner.end() : decision;
}
