// A minimal PostHog-compatible capture host for the benchmark, started pinned by bench/run.ts:
//   node <bundle of this file> ok|hang   (see buildBench)
// ok: drains every request and answers {"status":1}; hang: reads the request and never answers.
// It prints {"port": …} once listening and exits when stdin closes. ("refuse" needs no host:
// the client is pointed at a closed port.)
import { createServer } from 'node:http';

const mode = process.argv[2] ?? 'ok';

const server = createServer(function captureHost(req, res) {
  req.resume();
  req.on('end', () => {
    if (mode === 'hang') return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":1}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
