import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';

/** The case key the harness puts on every request: the same in every copy of an app. */
function caseOf(req: IncomingMessage): string {
  return String(req.headers['x-case'] ?? '');
}

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}

const ids = new WeakMap<IncomingMessage, number>();

/**
 * express-session's `genid`, deterministic: the n-th id generated for a request is a hash of
 * its case key and n, so every copy of an app hands out the same session ids.
 */
export function deterministicSessionId(req: IncomingMessage): string {
  const n = (ids.get(req) ?? 0) + 1;
  ids.set(req, n);
  return digest(`session:${caseOf(req)}:${n}`, 24);
}

/** A CSP nonce derived from the request's case key: the same in every copy of an app. */
export function deterministicNonce(req: IncomingMessage): string {
  return digest(`nonce:${caseOf(req)}`, 16);
}

/** A sink for morgan's lines: the matrix must stay quiet. */
export function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** Fixed signing secrets (sessions, cookies). */
export const SECRET = 'drop-in-matrix-secret';
