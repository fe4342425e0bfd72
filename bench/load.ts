// The load generator, started pinned by bench/run.ts:
//   node <bundle of this file> '<json>'   (see buildBench)
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
    rps: result.requests.average,
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

const job = JSON.parse(process.argv[2] ?? '{}') as AutocannonJob | DownloadJob;
const result = job.kind === 'download' ? await download(job) : await runAutocannon(job);
process.stdout.write(`${JSON.stringify(result)}\n`);
