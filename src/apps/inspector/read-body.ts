import type { IncomingMessage } from 'node:http';

/** The body, or `too-large` once it passes the cap (the rest is drained, not kept). */
export type ReadBodyResult = Buffer | 'too-large';

/**
 * Reads a request body into memory, at most `maxBytes` of it. A `Content-Length`
 * above the cap is refused before reading; a body that grows past it stops being
 * kept. Either way the rest of the body is drained, so the 413 reaches the client.
 *
 * @example
 * const body = await readRawBody(req, 1024);
 * if (body === 'too-large') res.status(413).end();
 */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<ReadBodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    function onData(chunk: Buffer) {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    }
    function onEnd() {
      cleanup();
      if (!over) resolve(Buffer.concat(chunks, size));
    }
    function onError(error: Error) {
      cleanup();
      reject(error);
    }
    function onAborted() {
      onError(new Error('the client aborted the request'));
    }
    function cleanup() {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (over) req.resume();
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
