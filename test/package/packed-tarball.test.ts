import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Minifier, minifyBrowserCode } from '../../src/snippet/browser-code.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';

/**
 * The package as a user installs it: `npm pack`, then `npm install` of the tarball into
 * fresh projects outside the repository, so every dependency resolves from the tarball's
 * own declarations (the registry through npm's cache), never from the repository's
 * node_modules.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const execFileAsync = promisify(execFile);
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

let work = '';
let tarball = '';
let appDir = '';
let workerDir = '';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POSTHOG_API_KEY: '', ...env },
  });
}

function write(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

async function npmProject(name: string, packages: string[], extra: string[] = []): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  write(dir, { 'package.json': JSON.stringify({ name, private: true, version: '1.0.0' }) });
  await execFileAsync('npm', ['install', ...NPM_FLAGS, ...extra, tarball, ...packages], {
    cwd: dir,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return dir;
}

/** Bytes under `dir`, as `du -sb` counts them (file sizes). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'express-posthog-installed-'));
  // `npm pack` runs `prepack`, which builds dist/.
  run('npm', ['pack', '--silent', '--pack-destination', work], ROOT);
  tarball = join(work, readdirSync(work).find((file) => file.endsWith('.tgz')) ?? '');
  [appDir, workerDir] = await Promise.all([
    npmProject('app', ['express@^5', 'helmet@^8', '@types/express@^5', '@types/node@^20']),
    // A queue worker: only express-posthog, and no peer dependency at all (no express).
    npmProject('worker', [], ['--omit=peer']),
  ]);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package', { timeout: 90_000 }, () => {
  it('ships dist, views, README, LICENSE, and no tests or sources', () => {
    const listing = run('tar', ['-tzf', tarball], work);
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/app.d.ts',
      'dist/jobs.cjs',
      'dist/llm.js',
      'dist/cli.d.cts',
      'dist/bin/express-posthog.js',
      'views/_posthog.njk',
      'README.md',
      'LICENSE',
    ]) {
      expect(listing).toContain(`package/${file}`);
    }
    expect(listing).not.toMatch(/package\/(src|test)\//);
    const manifest = JSON.parse(
      readFileSync(join(appDir, 'node_modules/express-posthog/package.json'), 'utf8'),
    );
    expect(manifest.dependencies['posthog-js']).toBeUndefined();
    expect(manifest.peerDependenciesMeta['posthog-js']).toEqual({ optional: true });
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
  });

  it('loads from CommonJS, every entry point', () => {
    write(appDir, {
      'cjs.cjs': `
        const ph = require('express-posthog');
        const { createApp } = require('express-posthog/app');
        const names = ['loadConfig','getPosthog','resetPosthog','PosthogClient','posthogSnippet','posthogUser',
          'posthogErrorHandler','debugRouter','traceGeneration','captureJobFailure','withJobCapture','runCli'];
        const missing = names.filter((n) => typeof ph[n] !== 'function');
        if (missing.length) throw new Error('missing ' + missing.join(','));
        if (typeof require('express-posthog/llm').traceGeneration !== 'function') throw new Error('llm');
        if (typeof require('express-posthog/jobs').withJobCapture !== 'function') throw new Error('jobs');
        if (typeof require('express-posthog/cli').runCli !== 'function') throw new Error('cli');
        createApp({ client: new ph.PosthogClient({ config: ph.loadConfig({}) }) });
        console.log('cjs ok');
      `,
    });
    expect(run('node', ['cjs.cjs'], appDir).trim()).toBe('cjs ok');
  });

  it('refuses a misspelt option in plain JavaScript, naming the nearest key, enabled or not', () => {
    write(appDir, {
      'typo.cjs': `
        const ph = require('express-posthog');
        const { posthogInspector } = require('express-posthog/inspector');
        const { createApp } = require('express-posthog/app');
        const calls = {
          posthogSnippet: () => ph.posthogSnippet({ firstparty: true }),
          posthogUser: () => ph.posthogUser({ getuser: () => undefined }),
          posthogErrorHandler: () => ph.posthogErrorHandler({ Respond: false }),
          debugRouter: () => ph.debugRouter({ getUsr: () => undefined }),
          posthogProxy: () => ph.posthogProxy({ timeout: 1000 }),
          posthogInspector: () => posthogInspector({ maxEvent: 10 }),
          createApp: () => createApp({ demoauth: false }),
        };
        const out = {};
        for (const [name, call] of Object.entries(calls)) {
          try { call(); out[name] = 'accepted'; }
          catch (error) { out[name] = error.constructor.name + ': ' + error.message; }
        }
        console.log(JSON.stringify(out));
      `,
    });
    for (const env of [
      {},
      { POSTHOG_API_KEY: 'phc_plain_js', POSTHOG_HOST: 'http://127.0.0.1:9' },
    ]) {
      const out = JSON.parse(run('node', ['typo.cjs'], appDir, env)) as Record<string, string>;
      const expected: Record<string, [string, string]> = {
        posthogSnippet: ['firstparty', 'firstParty'],
        posthogUser: ['getuser', 'getUser'],
        posthogErrorHandler: ['Respond', 'respond'],
        debugRouter: ['getUsr', 'getUser'],
        posthogProxy: ['timeout', 'timeoutMs'],
        posthogInspector: ['maxEvent', 'maxEvents'],
        createApp: ['demoauth', 'demoAuth'],
      };
      for (const [name, [typo, nearest]] of Object.entries(expected)) {
        expect(out[name]).toMatch(new RegExp(`^TypeError: ${name}: unknown option \`${typo}\``));
        expect(out[name]).toContain(`did you mean \`${nearest}\`?`);
      }
    }
  });

  it('loads, from each entry point, nothing of the apps it does not name', () => {
    // Each entry in a fresh process: which files of dist/ did require() load, and do any of
    // them define the inspector's middleware or the reference app's routes?
    write(appDir, {
      'loaded.cjs': `
        const { readFileSync } = require('node:fs');
        require(process.argv[2]);
        const files = Object.keys(require.cache).filter((f) => f.includes('/express-posthog/dist/'));
        const text = files.map((f) => readFileSync(f, 'utf8')).join('\\n');
        console.log(JSON.stringify({
          inspector: text.includes('function posthogInspectorMiddleware('),
          app: text.includes('function demoRoutes('),
        }));
      `,
    });
    const loaded = (entry: string) => JSON.parse(run('node', ['loaded.cjs', entry], appDir));
    expect(loaded('express-posthog/inspector')).toEqual({ inspector: true, app: false });
    expect(loaded('express-posthog/app')).toEqual({ inspector: false, app: true });
    expect(loaded('express-posthog')).toEqual({ inspector: false, app: false });
  });

  it('loads from ESM, snippet template included', () => {
    write(appDir, {
      'esm.mjs': `
        import { loadConfig, PosthogClient, posthogSnippet } from 'express-posthog';
        import { createApp } from 'express-posthog/app';
        import { captureJobFailure } from 'express-posthog/jobs';
        const client = new PosthogClient({ config: loadConfig({}, { apiKey: 'phc_smoke', host: 'http://127.0.0.1:9' }) });
        if (typeof posthogSnippet({ client }) !== 'function') throw new Error('no middleware');
        if (typeof captureJobFailure !== 'function') throw new Error('no jobs');
        createApp({ client });
        await client.shutdown(10);
        console.log('esm ok');
      `,
    });
    expect(run('node', ['esm.mjs'], appDir).trim()).toBe('esm ok');
  });

  it('shares one client between require and import in one process', () => {
    write(appDir, {
      'shared.mjs': `
        import { createRequire } from 'node:module';
        const esm = await import('express-posthog');
        const cjs = createRequire(import.meta.url)('express-posthog');
        const jobs = createRequire(import.meta.url)('express-posthog/jobs');
        if (esm.PosthogClient === cjs.PosthogClient) throw new Error('one build only was loaded');
        const same = esm.getPosthog() === cjs.getPosthog() && jobs.getPosthog() === esm.getPosthog();
        await cjs.resetPosthog();
        const afterReset = esm.getPosthog() === cjs.getPosthog();
        console.log(same && afterReset ? 'one client' : 'two clients');
      `,
    });
    expect(run('node', ['shared.mjs'], appDir).trim()).toBe('one client');
  });

  // nodenext checks the declarations themselves too; node10 checks that every entry resolves.
  it.each([
    [
      'nodenext',
      { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false },
      '{ "type": "module" }',
    ],
    [
      'node10',
      { module: 'commonjs', moduleResolution: 'node10', skipLibCheck: true },
      '{ "type": "commonjs" }',
    ],
  ])('type-checks from a TypeScript %s project, every entry point', (name, resolution, pkg) => {
    const dir = join(appDir, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    write(dir, {
      'package.json': pkg,
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          ...resolution,
          target: 'es2022',
          strict: true,
          noEmit: true,
          esModuleInterop: true,
          types: ['node'],
          typeRoots: [join(appDir, 'node_modules/@types')],
        },
        files: ['index.ts'],
      }),
      'index.ts': `
        import express from 'express';
        import { type PosthogConfig, type ShouldCapture, loadConfig, posthogSnippet, posthogUser, posthogErrorHandler } from 'express-posthog';
        import { createApp, type CreateAppOptions } from 'express-posthog/app';
        import { posthogInspector } from 'express-posthog/inspector';
        import { traceGeneration } from 'express-posthog/llm';
        import { withJobCapture } from 'express-posthog/jobs';
        import { runCli } from 'express-posthog/cli';
        const config: PosthogConfig = loadConfig(process.env, { identifyPii: 'id' });
        const app = express();
        app.use(posthogSnippet({ maxBufferBytes: 1024 }));
        app.use(posthogUser({ getUser: async (req) => (req as { user?: unknown }).user }));
        const shouldCapture: ShouldCapture = (_error, _req, res) => res.statusCode >= 500;
        app.use(posthogErrorHandler({ respond: false, shouldCapture }));
        const options: CreateAppOptions = { demoAuth: false };
        createApp(options);
        void posthogInspector;
        const answer: Promise<number> = traceGeneration({ provider: 'openai', model: 'm' }, async () => 42);
        const job: Promise<string> = withJobCapture('j', () => 'done');
        void runCli; void answer; void job; void config;
      `,
    });
    expect(() => run('node', [TSC, '-p', 'tsconfig.json'], dir)).not.toThrow();
  });

  it('runs the express-posthog bin', () => {
    const out = run('node_modules/.bin/express-posthog', ['--version'], appDir);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('a worker that imports only express-posthog/jobs', { timeout: 60_000 }, () => {
  let capture: CaptureServer | undefined;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(async () => {
    await capture?.close();
  });

  it('runs with no express installed and sends the failure', async () => {
    const installed = readdirSync(join(workerDir, 'node_modules'));
    expect(installed).toContain('express-posthog');
    expect(installed).not.toContain('express');
    expect(installed).not.toContain('posthog-js');
    write(workerDir, {
      'worker.mjs': `
        import { getPosthog, withJobCapture } from 'express-posthog/jobs';
        try {
          await withJobCapture('nightly-report', async () => { throw new Error('report failed'); }, { report: 'nightly' });
        } catch (error) {
          console.log('caught', error.message);
        }
        await getPosthog().shutdown();
      `,
    });
    // Asynchronously: the capture server answers from this process's event loop.
    const { stdout } = await execFileAsync('node', ['worker.mjs'], {
      cwd: workerDir,
      env: { ...process.env, POSTHOG_API_KEY: 'phc_worker', POSTHOG_HOST: capture?.url ?? '' },
    });
    expect(stdout.trim()).toBe('caught report failed');
    const [event] = capture?.events ?? [];
    expect(event?.event).toBe('$exception');
    expect(event?.properties.job).toBe('nightly-report');
  });

  it('installs under 10 MB with its production dependencies, without posthog-js', () => {
    expect(bytesUnder(join(workerDir, 'node_modules'))).toBeLessThan(10 * 1024 * 1024);
  });
});

describe('the README\'s "Add to an existing app", followed literally', { timeout: 60_000 }, () => {
  let capture: CaptureServer | undefined;
  let server: ChildProcess | undefined;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await capture?.close();
  });

  /** The one `js` block of the section: the whole server.mjs. */
  function readmeServer(): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## Add to an existing app$/m)[1]?.split(/^## /m)[0] ?? '';
    const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    if (!block) throw new Error('README: no js block under "## Add to an existing app"');
    return block;
  }

  it('serves the snippet under helmet, lets the app answer errors, and sends one $exception', async () => {
    write(appDir, { 'server.mjs': readmeServer() });
    const child = spawn('node', ['server.mjs'], {
      cwd: appDir,
      env: {
        ...process.env,
        PORT: '0',
        POSTHOG_API_KEY: 'phc_readme',
        POSTHOG_HOST: capture?.url ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    const url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (http:\/\/\S+)/.exec(out);
        if (found?.[1]) resolveUrl(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`server.mjs exited with ${code}: ${out}`)));
    });

    const page = await fetch(`${url}/`, {
      headers: { 'x-account': 'acct-7', accept: 'text/html' },
    });
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).toContain('data-express-posthog');
    expect(html).toContain('acct-7');

    const failed = await fetch(`${url}/checkout`, { headers: { 'x-account': 'acct-7' } });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Sorry, something broke.' });

    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const stopping = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise((resolveExit) => child.once('exit', resolveExit));
    // The shutdown bound (POSTHOG_SHUTDOWN_TIMEOUT_MS, 5 s) and a margin.
    expect(performance.now() - stopping).toBeLessThan(6_000);
    expect(code).toBe(0);
    expect(printed).toBe('');
    const exceptions = capture?.events.filter((e) => e.event === '$exception') ?? [];
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]?.distinct_id).toBe('acct-7');
    expect(exceptions[0]?.properties.$exception_list?.[0]?.value).toBe('checkout failed');
  });

  it('with a real key, the inspector line logs one line and is not mounted', async () => {
    write(appDir, { 'server.mjs': readmeServer() });
    const started = await startNode(appDir, 'server.mjs', {
      POSTHOG_API_KEY: 'phc_readme',
      POSTHOG_HOST: capture?.url ?? '',
    });
    try {
      expect((await fetch(`${started.url}/_inspector/`)).status).toBe(404);
      expect(started.output().trim().split('\n')).toEqual([
        `[express-posthog] posthogInspector: not mounted, because POSTHOG_API_KEY is set: events go to PostHog at ${capture?.url}. Unset POSTHOG_API_KEY to see them in the local inspector instead.`,
        `listening on ${started.url}`,
      ]);
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  it('says which port is busy, in one line, and exits 1 (no TypeError)', async () => {
    write(appDir, { 'server.mjs': readmeServer() });
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolveListen) => taken.listen(0, resolveListen));
    const port = (taken.address() as { port: number }).port;
    try {
      const child = spawn('node', ['server.mjs'], {
        cwd: appDir,
        env: { ...process.env, PORT: String(port), POSTHOG_API_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise((resolveExit) => child.once('exit', resolveExit));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `cannot listen on port ${port}: it is in use; set PORT to a free port`,
      );
    } finally {
      taken.close();
    }
  });
});

describe('the boot script of the built package', { timeout: 60_000 }, () => {
  it('is minified at build time, carries the same redaction code as the sources, and is within 5 KB gzip in consent ask', async () => {
    write(appDir, {
      'boot-app.mjs': `
        import express from 'express';
        import { posthogSnippet } from 'express-posthog';
        const app = express();
        app.use(posthogSnippet());
        app.get('/', (req, res) => res.type('html').send('<!doctype html><html><head></head><body>hi</body></html>'));
        const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
          console.log('listening on http://127.0.0.1:' + server.address().port);
        });
      `,
    });
    const started = await startNode(appDir, 'boot-app.mjs', {
      POSTHOG_API_KEY: 'phc_boot',
      POSTHOG_HOST: 'http://127.0.0.1:9',
      POSTHOG_CONSENT: 'ask',
      POSTHOG_REPLAY: 'true',
    });
    try {
      const html = await (
        await fetch(`${started.url}/`, { headers: { accept: 'text/html' } })
      ).text();
      const src = /<script data-express-posthog='[^']*' src="([^"]+)"/.exec(html)?.[1];
      expect(src).toMatch(/boot\.[^/]+\.js$/);
      const boot = await (await fetch(`${started.url}${src}`)).text();
      expect(boot).toContain('opt_in_capturing');
      // Built by tsup.config.ts from the same function the sources run at first use.
      const esbuild = createRequire(import.meta.url)('esbuild') as Minifier;
      const minified = minifyBrowserCode(esbuild);
      expect(boot).toContain(minified.urlRedaction);
      expect(boot).toContain(minified.eventGate);
      // The boot script itself came minified with the package: one line, not the template's.
      expect(boot.trim().split('\n')).toHaveLength(1);
      expect(gzipSync(boot, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
      // The package has no esbuild to load: nothing was minified, nor warned about, at run time.
      expect(started.output()).not.toMatch(/esbuild/);
    } finally {
      started.child.kill('SIGKILL');
    }
  });
});

/** A README block: the `lang` fenced block that follows the heading `heading`. */
function readmeBlock(heading: string, lang = 'js'): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(new RegExp(`^#+ ${heading}$`, 'm'))[1] ?? '';
  const block = new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``).exec(section)?.[1];
  if (!block) throw new Error(`README: no ${lang} block under "${heading}"`);
  return block;
}

/** Starts `node <file>` in `cwd`; resolves once it prints `listening on <url>`. */
async function startNode(cwd: string, file: string, env: Record<string, string>) {
  const child = spawn('node', [file], {
    cwd,
    env: { ...process.env, PORT: '0', POSTHOG_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout?.on('data', () => {
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found?.[1]) resolveUrl(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${out}`)));
  });
  return { child, url, output: () => out };
}

describe('the README\'s "See your events locally", custom events and flags, followed literally', {
  timeout: 60_000,
}, () => {
  let capture: CaptureServer | undefined;
  let running: ChildProcess | undefined;
  beforeAll(async () => {
    capture = await startCaptureServer();
  });
  afterAll(async () => {
    running?.kill('SIGKILL');
    await capture?.close();
  });

  /** An app of the README's blocks: the inspector line first, then the two samples. */
  function readmeApp(): string {
    const inspector = readmeBlock('See your events locally');
    const imports = inspector.split('\n').filter((line) => line.startsWith('import '));
    const rest = inspector.split('\n').filter((line) => !line.startsWith('import '));
    return [
      "import express from 'express';",
      "import { getPosthog, posthogSnippet } from 'express-posthog';",
      ...imports,
      'const app = express();',
      ...rest,
      'app.use(posthogSnippet());',
      "app.use((req, res, next) => { req.user = { id: 'user-9' }; next(); });",
      readmeBlock('Custom events'),
      readmeBlock('Server-side feature flags'),
      'const server = app.listen(Number(process.env.PORT), () => {',
      "  console.log('listening on http://localhost:' + server.address().port);",
      '});',
    ].join('\n');
  }

  it('with no key: the one line shows the events at /_inspector/, and names the missing optional packages', async () => {
    write(appDir, { 'readme-app.mjs': readmeApp() });
    const started = await startNode(appDir, 'readme-app.mjs', {});
    running = started.child;
    const page = await fetch(`${started.url}/_inspector/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The installed app has neither optional peer: the page names both, with the command.
    expect(html).toContain('<code>npm install posthog-js</code>');
    expect(html).toContain('<code>npm install --save-dev rrweb-player</code>');
    expect(html).toContain('about 39 MB');
    expect((await fetch(`${started.url}/orders?total=42`, { method: 'POST' })).status).toBe(201);
    expect(await (await fetch(`${started.url}/pricing`)).text()).toBe('old pricing');
    const deadline = Date.now() + 15_000;
    let order: Record<string, any> | undefined;
    while (!order && Date.now() < deadline) {
      const listed = await (await fetch(`${started.url}/_inspector/api/events`)).json();
      order = listed.events.find((e: { event: string }) => e.event === 'order placed');
      if (!order) await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }
    expect(order).toMatchObject({ distinctId: 'user-9', properties: { total: 42 } });
    expect(started.output().trim()).toBe(`listening on ${started.url}`);
    started.child.kill('SIGKILL');
  });

  it('with a key: the custom event and the server-side flag go to PostHog', async () => {
    if (!capture) throw new Error('no capture server');
    capture.flags = { 'new-pricing': true };
    const started = await startNode(appDir, 'readme-app.mjs', {
      POSTHOG_API_KEY: 'phc_readme',
      POSTHOG_HOST: capture.url,
    });
    running = started.child;
    expect(await (await fetch(`${started.url}/pricing`)).text()).toBe('new pricing');
    expect((await fetch(`${started.url}/orders?total=7`, { method: 'POST' })).status).toBe(201);
    const [order] = await capture.waitForEvents(1, (e) => e.event === 'order placed', 15_000);
    expect(order?.distinct_id).toBe('user-9');
    expect(order?.properties.total).toBe(7);
    started.child.kill('SIGKILL');
  });
});
