import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the upstream saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  body: Buffer;
  /** The client aborted before the body ended. */
  aborted: boolean;
}

/** A loopback server standing in for PostHog's API or assets host. */
export interface Upstream {
  readonly url: string;
  readonly host: string;
  readonly seen: SeenRequest[];
  /** `answer` replies to a request whose body has arrived; the default echoes a JSON summary. */
  answer: (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;
  /** Called on each chunk of a request body as it arrives. */
  onChunk?: (chunk: Buffer) => void;
  /** Resolves when a request arrives whose body is complete or aborted. */
  nextRequest(): Promise<SeenRequest>;
  close(): Promise<void>;
}

/** Starts an upstream on an ephemeral 127.0.0.1 port. */
export async function startUpstream(name: string): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const waiting: ((seen: SeenRequest) => void)[] = [];
  const upstream = {
    seen: [] as SeenRequest[],
    answer(_req: IncomingMessage, res: ServerResponse, seen: SeenRequest) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'ph_upstream=1; Path=/',
        'x-upstream': name,
        connection: 'keep-alive, x-hop',
        'x-hop': 'dropped',
      });
      res.end(JSON.stringify({ name, method: seen.method, url: seen.url, bytes: seen.bytes }));
    },
    onChunk: undefined as ((chunk: Buffer) => void) | undefined,
  };
  const server = createServer(function upstreamHandler(req, res) {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let bytes = 0;
    const record = (aborted: boolean): SeenRequest => {
      const body = Buffer.concat(chunks);
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bytes,
        sha256: hash.digest('hex'),
        body,
        aborted,
      };
      upstream.seen.push(seen);
      for (const wake of waiting.splice(0)) wake(seen);
      return seen;
    };
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
      if (bytes <= 1024 * 1024) chunks.push(chunk);
      upstream.onChunk?.(chunk);
    });
    req.on('end', () => upstream.answer(req, res, record(false)));
    req.on('aborted', () => record(true));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(upstream, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    nextRequest: () => new Promise<SeenRequest>((resolve) => waiting.push(resolve)),
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
