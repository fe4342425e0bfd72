// One variant of the bench app, alone in its process, for a CPU profile (docs/performance.md,
// "The per-page cost, profiled and cut"). The cost loop (bench/cost.ts) alternates the variants
// in one process, so its profile cannot say which variant a garbage collection belongs to; this
// runs one, and a second run the other. Built by `npm run bench` (any --only) into
// bench/.build/profile.js:
//
//   taskset -c 1 node --expose-gc --cpu-prof --cpu-prof-interval 50 --cpu-prof-name snippet.cpuprofile \
//     bench/.build/profile.js run snippet page-identity 20000
//   node bench/.build/profile.js compare baseline.cpuprofile snippet.cpuprofile 22000
//
// `run` sends `count` requests after 2,000 of warm-up (bench/lib/inject.ts, as the cost loop);
// `compare` prints the self time per request (µs, the warm-up counted in `requests`) of the
// package's functions and of the garbage collector in each profile, by group.
import { readFileSync } from 'node:fs';
import { PosthogClient } from '../src/core/client/index.js';
import { loadConfig } from '../src/core/config/index.js';
import { inject } from './lib/inject.js';
import { BROWSER_HTML, FETCH_DEFAULT } from './lib/requests.js';
import { buildApp } from './servers/build-app.js';
import { snippetAsInjected } from './servers/snippet-text.js';

/** The requests this can profile: the cost loop's scenarios 1b and 2b. */
const REQUESTS: Record<string, { path: string; headers: Record<string, string> }> = {
  'page-identity': { path: '/page', headers: BROWSER_HTML },
  'json-any': { path: '/api/items', headers: FETCH_DEFAULT },
};

const WARMUP = 2000;

/** The package's functions by what they do, and the collector; the names are the bundle's. */
const GROUPS: Record<string, readonly string[]> = {
  'garbage collector': ['(garbage collector)'],
  'adaptResponse, installFlushHeaders': ['adaptResponse', 'installFlushHeaders', 'appResponseBase'],
  "applyWriteHeadArgs + on-headers' setWriteHeadHeaders": [
    'applyWriteHeadArgs',
    'setWriteHeadHeaders',
  ],
  "the middleware's entry": [
    'posthogSnippetMiddleware',
    'watchesResponse',
    'mayTakePage',
    'takeConditionals',
    'unmarkPreconditions',
    'serve',
    'pathWithoutQuery',
  ],
  'the wrappers, decide, writePieces': [
    'adaptedEnd',
    'adaptedWrite',
    'adaptedWriteHead',
    'decide',
    'writePieces',
    'handedOn',
    'toPassing',
    'gatherHeaders',
    'takesSnippet',
    'commitToApp',
    'checkWriteHeadArgs',
  ],
  'release, sendHead, planHeaders, snippetEtag': [
    'release',
    'sendHead',
    'planHeaders',
    'snippetEtag',
    'lengthWithSnippet',
    'take',
  ],
  'render, getRequestUser, isPrivateToUser': [
    'render',
    'getRequestUser',
    'readAppUser',
    'isPrivateToUser',
    'snippetIdentity',
    'readUserObject',
    'pageMayCarryIdentity',
    'bootstrapFlags',
    'getHeaderNames',
  ],
  'the tokenizer and the splicer': [
    'tokenize',
    'tagName',
    'tagEnd',
    'tagByte',
    'attributeByte',
    'indexOfByte',
    'InsertionPointScanner',
    'createSplicer',
    'push',
  ],
  'the copy (_copyActual)': ['_copyActual'],
};

async function run(variant: string, request: string, count: number): Promise<void> {
  const wanted = REQUESTS[request];
  if (!wanted)
    throw new Error(`profile: no request ${request} (${Object.keys(REQUESTS).join(', ')})`);
  // As in the cost loop: an enabled client whose host is a closed port; nothing is captured.
  const client = new PosthogClient({
    config: loadConfig({}, { apiKey: 'phc_bench', host: 'http://127.0.0.1:9' }),
  });
  const injected = await snippetAsInjected(client);
  const app = buildApp({ variant, client, injected });
  for (let i = 0; i < WARMUP; i += 1) await inject(app, wanted.path, wanted.headers);
  const start = process.cpuUsage();
  for (let i = 0; i < count; i += 1) {
    const status = await inject(app, wanted.path, wanted.headers);
    if (status !== 200) throw new Error(`profile: ${wanted.path} answered ${status}`);
  }
  const used = process.cpuUsage(start);
  process.stdout.write(
    `${variant} ${request}: ${((used.user + used.system) / count).toFixed(1)} µs CPU per request\n`,
  );
  await client.shutdown(100);
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<{ id: number; callFrame: { functionName: string } }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time (µs) by function name, and the profile's total. */
function selfTimes(file: string): { self: Map<string, number>; total: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const names = new Map(profile.nodes.map((node) => [node.id, node.callFrame.functionName]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index + 1] ?? 0;
    const name = names.get(id) || '(anonymous)';
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  });
  return { self, total };
}

function compare(files: readonly string[], requests: number): void {
  const profiles = files.map(selfTimes);
  const perRequest = (us: number) => (us / requests).toFixed(1);
  process.stdout.write(`| µs per request | ${files.join(' | ')} |\n`);
  process.stdout.write(`|---|${files.map(() => '---:').join('|')}|\n`);
  for (const [group, names] of Object.entries(GROUPS)) {
    const cells = profiles.map(({ self }) =>
      perRequest(names.reduce((sum, name) => sum + (self.get(name) ?? 0), 0)),
    );
    process.stdout.write(`| ${group} | ${cells.join(' | ')} |\n`);
  }
  process.stdout.write(
    `| whole request | ${profiles.map(({ total }) => perRequest(total)).join(' | ')} |\n`,
  );
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'run') {
    const [variant = 'snippet', request = 'page-identity', count = '20000'] = args;
    await run(variant, request, Number(count));
  } else if (command === 'compare' && args.length >= 2 && Number(args.at(-1)) > 0) {
    compare(args.slice(0, -1), Number(args.at(-1)));
  } else {
    throw new Error(
      'usage: profile.js run <variant> <page-identity|json-any> <count> | compare <a.cpuprofile> … <requests>',
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
