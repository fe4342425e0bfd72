import { Agent, request } from 'node:http';
import { PassThrough, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** One request as the matrix sends it: raw `node:http`, nothing added but `Host`/`Connection`. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** One response exactly as it came off the socket, plus its decoded body and timings. */
export interface WireResponse {
  readonly request: WireRequest;
  readonly status: number;
  /** `res.rawHeaders`: names as sent, repeated headers kept, in wire order. */
  readonly rawHeaders: readonly string[];
  /** The body after undoing `Content-Encoding` (gzip, br, deflate). */
  readonly body: Buffer;
  /** Milliseconds from the request to the first decoded body byte (undefined: empty body). */
  readonly firstContentMs: number | undefined;
  /** Milliseconds from the request to the end of the body. */
  readonly endMs: number;
}

/** One keep-alive agent for the whole matrix: the servers are reused across cases. */
export const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function decoderFor(encoding: string | undefined, what: string): Transform {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return new PassThrough();
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'br':
      return createBrotliDecompress();
    case 'deflate':
      return createInflate();
    default:
      throw new Error(`${what}: cannot decode Content-Encoding ${JSON.stringify(encoding)}`);
  }
}

/**
 * Sends `req` to `origin` and resolves with the status, the raw header list and the decoded
 * body. Rejects (naming the request) on a socket error, a decoding error or after `timeoutMs`.
 */
export function send(origin: string, req: WireRequest, timeoutMs = 10_000): Promise<WireResponse> {
  const what = `${req.method} ${req.path}`;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${origin}${req.path}`,
      { method: req.method, headers: { ...req.headers }, agent },
      (res) => {
        let decoder: Transform;
        try {
          decoder = decoderFor(res.headers['content-encoding'], what);
        } catch (error) {
          res.resume();
          reject(error);
          return;
        }
        const chunks: Buffer[] = [];
        let firstContentMs: number | undefined;
        decoder.on('data', (chunk: Buffer) => {
          if (chunk.length > 0 && firstContentMs === undefined)
            firstContentMs = performance.now() - started;
          chunks.push(chunk);
        });
        decoder.on('error', (error) =>
          reject(new Error(`${what}: the body did not decode: ${error.message}`)),
        );
        decoder.on('end', () => {
          clearTimeout(timer);
          resolve({
            request: req,
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
            firstContentMs,
            endMs: performance.now() - started,
          });
        });
        res.on('error', (error) => reject(new Error(`${what}: ${error.message}`)));
        res.pipe(decoder);
      },
    );
    const timer = setTimeout(() => {
      outgoing.destroy(new Error(`${what}: no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error.message.startsWith(what) ? error : new Error(`${what}: ${error.message}`));
    });
    outgoing.end(req.body);
  });
}

/** The response's headers grouped by lower-cased name, each name's values in wire order. */
export function headerMap(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const values = map.get(name) ?? [];
    values.push(rawHeaders[i + 1]!);
    map.set(name, values);
  }
  return map;
}
