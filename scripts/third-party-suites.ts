/**
 * Runs the test suite of express-session or serve-static three times — alone, with
 * `posthogSnippet()` registered before the middleware under test, and after it — records
 * every response on the wire, and compares each run with the one alone (docs/drop-in.md).
 * Their tests are not in the npm tarballs: they are vendored, at the version installed here,
 * in test/fixtures/third-party/<package>/ (the default, what CI runs through
 * test/drop-in/third-party-suites.test.ts); a checkout of the repository works as well.
 *
 *   npx tsx scripts/third-party-suites.ts session
 *   npx tsx scripts/third-party-suites.ts serve-static
 *   git clone https://github.com/expressjs/session /tmp/session
 *   npx tsx scripts/third-party-suites.ts session /tmp/session
 *
 * Exit code 1 when a test fails with the snippet that passes alone, or a response differs
 * beyond the edits docs/observability.md names (the snippet, `Content-Length`, the marked
 * `ETag`, `Last-Modified`). Per-run randomness (session ids, dates) and stack-trace lines
 * (the suites print `err.stack`, which names the extra middleware frame) are normalised.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Mode = 'alone' | 'before' | 'after';
/** A suite this script runs: express-session's or serve-static's. */
export type Suite = 'session' | 'serve-static';
interface Recorded {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly bytes: string;
  /** The test that was running when the request arrived. */
  readonly test: string;
}
/** One run of a suite: its tests, those that failed, and every response on the wire. */
export interface RunResult {
  readonly total: number;
  readonly failures: readonly { name: string; error: string }[];
  readonly wire: readonly Recorded[];
}

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MODULES = join(ROOT, 'node_modules');
/** The vendored copies of the suites' test files (test/fixtures/third-party/README.md). */
export const VENDORED = join(ROOT, 'test', 'fixtures', 'third-party');
const SUITES: Record<Suite, { pkg: string; testFile: string }> = {
  session: { pkg: 'express-session', testFile: 'test/session.js' },
  'serve-static': { pkg: 'serve-static', testFile: 'test/test.js' },
};

// ---- the child: one run of a suite, in one mode -------------------------------------------

type Fn = (this: unknown, done?: (error?: unknown) => void) => unknown;
interface Block {
  readonly name: string;
  readonly children: Block[];
  readonly tests: { name: string; fn: Fn }[];
  readonly hooks: Record<'before' | 'after' | 'beforeEach' | 'afterEach', Fn[]>;
}

/** A mocha-compatible subset: describe/it/hooks, `done` callbacks or promises, in order. */
function installMocha(): Block {
  const block = (name: string): Block => ({
    name,
    children: [],
    tests: [],
    hooks: { before: [], after: [], beforeEach: [], afterEach: [] },
  });
  const root = block('');
  let current = root;
  const g = globalThis as Record<string, unknown>;
  const describe = (name: string, body: () => void) => {
    const child = block(name);
    current.children.push(child);
    const parent = current;
    current = child;
    body.call({ timeout() {} });
    current = parent;
  };
  const it = (name: string, fn: Fn) => current.tests.push({ name, fn });
  g.describe = Object.assign(describe, { skip() {} });
  g.it = Object.assign(it, { skip() {} });
  for (const hook of ['before', 'after', 'beforeEach', 'afterEach'] as const) {
    g[hook] = (fn: Fn) => current.hooks[hook].push(fn);
  }
  return root;
}

function callTest(fn: Fn, context: unknown): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('timeout of 4000 ms')), 4000);
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      if (error) fail(error);
      else done();
    };
    try {
      if (fn.length >= 1) fn.call(context, finish);
      else Promise.resolve(fn.call(context)).then(() => finish(), finish);
    } catch (error) {
      finish(error);
    }
  });
}

/** The test running now, to file each response under. */
const running = { test: '' };

async function runBlock(
  block: Block,
  path: string[],
  before: Fn[],
  after: Fn[],
  out: { name: string; error?: string }[],
): Promise<void> {
  const context = { timeout() {} };
  for (const hook of block.hooks.before) await callTest(hook, context);
  const eachBefore = [...before, ...block.hooks.beforeEach];
  const eachAfter = [...block.hooks.afterEach, ...after];
  for (const test of block.tests) {
    const name = [...path, test.name].join(' > ');
    running.test = name;
    try {
      for (const hook of eachBefore) await callTest(hook, context);
      await callTest(test.fn, context);
      for (const hook of eachAfter) await callTest(hook, context);
      out.push({ name });
    } catch (error) {
      out.push({ name, error: String((error as Error)?.message ?? error).split('\n')[0] ?? '' });
    }
  }
  for (const child of block.children) {
    await runBlock(child, [...path, child.name], eachBefore, eachAfter, out);
  }
  for (const hook of block.hooks.after) await callTest(hook, context);
}

async function child(dir: string, suite: Suite, mode: Mode): Promise<void> {
  const { PosthogClient } = await import('../src/core/client/index.js');
  const { loadConfig } = await import('../src/core/config/index.js');
  const { posthogSnippet } = await import('../src/snippet/posthog-snippet.js');
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const config = loadConfig({}, { apiKey: 'phc_suite', host: 'http://127.0.0.1:9', logger: quiet });
  const client = new PosthogClient({ config });
  const wire: Recorded[] = [];
  type Owned = net.Socket & { _httpMessage?: { wire?: Buffer[] } };
  const socketWrite = net.Socket.prototype.write as (
    this: net.Socket,
    ...args: unknown[]
  ) => boolean;
  net.Socket.prototype.write = function write(this: Owned, data: unknown, ...rest: unknown[]) {
    const owner = this._httpMessage;
    if (owner && (typeof data === 'string' || data instanceof Uint8Array)) {
      const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'latin1';
      owner.wire ??= [];
      owner.wire.push(typeof data === 'string' ? Buffer.from(data, encoding) : Buffer.from(data));
    }
    return socketWrite.call(this, data, ...rest);
  } as typeof net.Socket.prototype.write;
  const before = mode === 'before' ? posthogSnippet({ client }) : undefined;
  (globalThis as { snippetAfter?: unknown }).snippetAfter =
    mode === 'after' ? posthogSnippet({ client }) : undefined;
  const emit = http.Server.prototype.emit as (this: http.Server, ...args: unknown[]) => boolean;
  http.Server.prototype.emit = function emitRequest(this: http.Server, ...args: unknown[]) {
    if (args[0] !== 'request') return emit.apply(this, args);
    const req = args[1] as http.IncomingMessage;
    const res = args[2] as http.ServerResponse & { wire?: Buffer[] };
    const test = running.test;
    res.on('close', () =>
      wire.push({
        method: req.method,
        url: req.url,
        test,
        bytes: Buffer.concat(res.wire ?? []).toString('latin1'),
      }),
    );
    if (!before) return emit.apply(this, args);
    before(req, res, () => emit.apply(this, args));
    return true;
  } as typeof http.Server.prototype.emit;
  const root = installMocha();
  createRequire(import.meta.url)(join(dir, SUITES[suite].testFile));
  const results: { name: string; error?: string }[] = [];
  await runBlock(root, [], [], [], results);
  const failures = results.flatMap((r) =>
    r.error === undefined ? [] : [{ name: r.name, error: r.error }],
  );
  const out: RunResult = { total: results.length, failures, wire };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await client.shutdown(100);
  process.exit(0);
}

// ---- the parent: three runs, compared ----------------------------------------------------

/** A temporary copy of the suite whose `require('..')` is the installed package, wrappable. */
function prepare(suite: Suite, checkout: string): { dir: string; shims: string } {
  const dir = mkdtempSync(join(tmpdir(), `suite-${suite}-`));
  const { pkg } = SUITES[suite];
  cpSync(join(checkout, 'test'), join(dir, 'test'), { recursive: true });
  writeFileSync(
    join(dir, 'index.js'),
    `var real = require(${JSON.stringify(join(MODULES, pkg))});
function wrapped() {
  var mw = real.apply(this, arguments);
  var snippet = globalThis.snippetAfter;
  if (!snippet) return mw;
  return function (req, res, next) {
    mw(req, res, function (err) { if (err) return next(err); snippet(req, res, next); });
  };
}
Object.assign(wrapped, real);
module.exports = wrapped;
`,
  );
  if (suite === 'session') symlinkSync(join(MODULES, pkg, 'session'), join(dir, 'session'));
  const shims = join(dir, 'shims');
  mkdirSync(join(shims, 'after'), { recursive: true });
  writeFileSync(
    join(shims, 'after', 'index.js'),
    `module.exports = function after(count, callback) {
  var failed = false;
  function proxy(err, result) {
    if (proxy.count <= 0) throw new Error('after called too many times');
    --proxy.count;
    if (err) { failed = true; callback(err); callback = function () {}; }
    else if (proxy.count === 0 && !failed) callback(null, result);
  }
  proxy.count = count;
  return count === 0 ? callback() : proxy;
};
`,
  );
  // Their suites are written for Express 4.
  if (existsSync(join(MODULES, 'express4'))) {
    symlinkSync(join(MODULES, 'express4'), join(shims, 'express'));
  }
  if (existsSync(join(dir, 'test', 'support', 'gencert.sh'))) {
    execFileSync('sh', ['test/support/gencert.sh'], { cwd: dir, stdio: 'ignore' });
  }
  return { dir, shims };
}

function run(suite: Suite, dir: string, shims: string, mode: Mode): RunResult {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', script, '--child', dir, suite, mode],
    {
      cwd: ROOT, // where `--import tsx` resolves
      env: { ...process.env, NODE_PATH: `${shims}:${MODULES}`, NO_DEPRECATION: 'express-session' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 10 * 60 * 1000,
    },
  );
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`${suite} ${mode}: no result\n${result.stderr}`);
  return JSON.parse(line) as RunResult;
}

/**
 * What may differ between two runs whatever the package does: randomness, dates, stacks, and
 * the remaining `maxAge` express-session's tests answer, 2000 or 1999 ms as a millisecond
 * ticks (the suite itself accepts both).
 */
function normalise(bytes: string): string {
  return bytes
    .replace(/\r\n\r\n4\r\n1999\r\n0\r\n\r\n$/, '\r\n\r\n4\r\n2000\r\n0\r\n\r\n')
    .replace(/\r\nDate: [^\r]*/g, '')
    .replace(/=s%3A[^;\r]*/g, '=SIGNED')
    .replace(/\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/g, 'DATE')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'ISO')
    .replace(/[A-Za-z0-9_-]{32}/g, 'ID')
    .replace(/\n {4}at [^\n]*/g, '');
}

/** The edits docs/observability.md names, taken off a response with the snippet. */
function withoutNamedEdits(bytes: string): string {
  return bytes
    .replace(/<script data-express-posthog[^>]*><\/script>/g, '')
    .replace(/(ETag: (?:W\/)?"[^"]*)-ph[\w-]{10}"/g, '$1"')
    .replace(/\r\n(Content-Length|Last-Modified): [^\r]*/g, '')
    .replace(/\r\nTransfer-Encoding: chunked/g, '');
}

/** Each test's responses, in order: a test that fails in one run shifts no other's. */
function byTest(wire: readonly Recorded[]): Map<string, Recorded[]> {
  const tests = new Map<string, Recorded[]>();
  for (const record of wire) {
    const list = tests.get(record.test) ?? [];
    list.push(record);
    tests.set(record.test, list);
  }
  return tests;
}

function compare(alone: RunResult, other: RunResult): string[] {
  const found: string[] = [];
  const failedAlone = new Set(alone.failures.map((f) => f.name));
  for (const failure of other.failures) {
    if (!failedAlone.has(failure.name)) found.push(`test fails: ${failure.name}: ${failure.error}`);
  }
  // A test that failed in either run is reported above (or failed alone too): its responses
  // are not compared.
  const failed = new Set([...failedAlone, ...other.failures.map((f) => f.name)]);
  const theirs = byTest(other.wire);
  for (const [test, responses] of byTest(alone.wire)) {
    if (failed.has(test)) continue;
    const got = theirs.get(test) ?? [];
    if (responses.length !== got.length) {
      found.push(`${test}: ${responses.length} responses alone, ${got.length} with the snippet`);
    }
    responses.forEach((base, index) => {
      const mine = got[index];
      if (!mine) return;
      const a = normalise(base.bytes);
      const b = normalise(mine.bytes);
      if (a === b || withoutNamedEdits(a) === withoutNamedEdits(b)) return;
      found.push(
        `${test}: ${base.method} ${base.url}: ${JSON.stringify(a.slice(0, 300))} → ${JSON.stringify(b.slice(0, 300))}`,
      );
    });
  }
  return found;
}

/** A suite run alone, then with the snippet before and after it, each compared with alone. */
export interface SuiteComparison {
  readonly alone: RunResult;
  /** Per mode: the tests that fail only with the snippet, and the responses that differ. */
  readonly differences: Record<'before' | 'after', string[]>;
}

/**
 * Runs `suite` from `checkout` (a directory holding the repository's `test/`; by default the
 * vendored copy) alone, with the snippet before the middleware and after it.
 */
export function compareSuite(
  suite: Suite,
  checkout = join(VENDORED, SUITES[suite].pkg),
): SuiteComparison {
  const { dir, shims } = prepare(suite, resolve(checkout));
  try {
    const alone = run(suite, dir, shims, 'alone');
    return {
      alone,
      differences: {
        before: compare(alone, run(suite, dir, shims, 'before')),
        after: compare(alone, run(suite, dir, shims, 'after')),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] as string, args[2] as Suite, args[3] as Mode);
    return;
  }
  const [suite, checkout] = args as [Suite | undefined, string | undefined];
  if (!suite || !(suite in SUITES)) {
    console.error(
      'usage: npx tsx scripts/third-party-suites.ts <session|serve-static> [checkout]\n' +
        '  (without a checkout, the copy vendored in test/fixtures/third-party/ runs)',
    );
    process.exit(2);
  }
  const { alone, differences } = compareSuite(suite, checkout);
  console.log(
    `${suite}: ${alone.total} tests, ${alone.failures.length} failing alone, ${alone.wire.length} responses`,
  );
  let count = 0;
  for (const mode of ['before', 'after'] as const) {
    const found = differences[mode];
    count += found.length;
    console.log(`  snippet ${mode} it: ${found.length} difference(s) beyond the named edits`);
    for (const line of found) console.log(`    - ${line}`);
  }
  process.exit(count === 0 ? 0 : 1);
}

// Run as a script (or as one of its own child runs); imported by the CI test, it only exports.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
