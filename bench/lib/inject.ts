// Real Node IncomingMessage / ServerResponse pairs run through an app in process, over a socket
// that keeps or discards what it is given: no network, no second process.
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';

/** What one response wrote to its socket. */
export interface Sent {
  readonly status: number;
  /** The response head, as sent. */
  readonly head: string;
  /** The body as sent (chunked framing removed), possibly compressed. */
  readonly body: Buffer;
}

/**
 * A socket that keeps what it is given when `keep` is set, else drops it. Its buffer limit is
 * out of reach: no one relays a socket's 'drain' to a response that was not made by a server,
 * so a response that saw back-pressure (a streamed file) would wait for ever.
 */
function nullSocket(keep?: Buffer[]): Socket {
  return new Writable({
    highWaterMark: 2 ** 30,
    write(chunk: Buffer, _encoding, done) {
      keep?.push(chunk);
      done();
    },
  }) as unknown as Socket;
}

/** Runs one GET of `path` through `app`; resolves with the status on 'finish'. */
export function inject(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
  keep?: Buffer[],
): Promise<number> {
  const socket = nullSocket(keep);
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = path;
  req.headers = { host: 'bench.local', ...headers };
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(socket);
  return new Promise((resolve, reject) => {
    res.once('finish', () => resolve(res.statusCode));
    res.once('error', reject);
    app(req, res);
  });
}

/** Removes HTTP/1.1 chunked framing from `raw`. */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.toString('latin1', at, lineEnd), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Runs one GET through `app` and returns what it sent. */
export async function sent(
  app: RequestListener,
  path: string,
  headers: Record<string, string>,
): Promise<Sent> {
  const chunks: Buffer[] = [];
  const status = await inject(app, path, headers, chunks);
  const raw = Buffer.concat(chunks);
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.toString('latin1', 0, split);
  const rest = raw.subarray(split + 4);
  return {
    status,
    head,
    body: /^transfer-encoding:\s*chunked/im.test(head) ? unchunk(rest) : rest,
  };
}

/** The value of header `name` in a response head, lower-cased name. */
export function headerOf(head: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim();
}
