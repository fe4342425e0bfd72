// The load generator, started pinned by bench/run.ts:
//   node <bundle of this file> '<json>'   (see buildBench): runs one job, prints, exits
//   node <bundle of this file>            reads one job per stdin line, prints one result
//                                         line each (the bench keeps one such process)
// With {"kind":"autocannon", url, connections, duration, headers} it runs autocannon and prints
// one JSON line: { rps, p50, p99, requests, errors, non2xx, bytes }.
// With {"kind":"download", url} it streams one response and prints { ttfb, total, bytes, head }.
import { get } from 'node:http';
import autocannon from 'autocannon';

interface AutocannonJob {
  kind: 'autocannon';
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}

interface DownloadJob {
  kind: 'download';
  url: string;
}

async function runAutocannon(job: AutocannonJob) {
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    headers: job.headers ?? {},
  });
  return {
    // autocannon averages per-second samples; a sub-second smoke run has none.
    rps: result.requests.average || result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    bytes: result.throughput.total,
  };
}

function download(job: DownloadJob) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ttfb = 0;
    let bytes = 0;
    let head = '';
    get(job.url, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - started;
        if (head.length < 4096) head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
        bytes += chunk.length;
      });
      res.on('end', () =>
        resolve({ ttfb, total: performance.now() - started, bytes, status: res.statusCode, head }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

function run(job: AutocannonJob | DownloadJob) {
  return job.kind === 'download' ? download(job) : runAutocannon(job);
}

if (process.argv[2]) {
  const result = await run(JSON.parse(process.argv[2]) as AutocannonJob | DownloadJob);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const { createInterface } = await import('node:readline');
  // One job at a time: the bench waits for each answer before sending the next.
  for await (const line of createInterface({ input: process.stdin })) {
    const result = await run(JSON.parse(line) as AutocannonJob | DownloadJob).catch(
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
