import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Consumer projects live under node_modules/.cache so that the tarball's own
// dependencies (posthog-node, express…) resolve from the repository's node_modules.
const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'node_modules/.cache/express-posthog-smoke');

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function project(name: string, files: Record<string, string>): string {
  const dir = join(WORK, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  run('tar', ['-xzf', join(WORK, tarball), '-C', join(dir, 'node_modules')], dir);
  rmSync(join(dir, 'node_modules/express-posthog'), { recursive: true, force: true });
  run('mv', [join(dir, 'node_modules/package'), join(dir, 'node_modules/express-posthog')], dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

let tarball = '';

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  // `npm pack` runs `prepack`, which builds dist/.
  run('npm', ['pack', '--silent', '--pack-destination', WORK], ROOT);
  tarball = readdirSync(WORK).find((file) => file.endsWith('.tgz')) ?? '';
}, 120_000);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('the packed tarball', { timeout: 90_000 }, () => {
  it('ships dist and views, and no tests or sources', () => {
    const listing = run('tar', ['-tzf', join(WORK, tarball)], WORK);
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.cjs');
    expect(listing).toContain('package/dist/app.d.ts');
    expect(listing).toContain('package/dist/bin/express-posthog.js');
    expect(listing).toContain('package/views/_posthog.njk');
    expect(listing).not.toMatch(/package\/(src|test)\//);
  });

  it('loads from CommonJS', () => {
    const dir = project('cjs', {
      'package.json': '{ "type": "commonjs" }',
      'index.cjs': `
        const ph = require('express-posthog');
        const { createApp } = require('express-posthog/app');
        const names = ['loadConfig','getPosthog','resetPosthog','PosthogClient','posthogSnippet','posthogUser',
          'posthogErrorHandler','debugRouter','traceGeneration','captureJobFailure','withJobCapture','runCli'];
        const missing = names.filter((n) => typeof ph[n] !== 'function');
        if (missing.length) throw new Error('missing ' + missing.join(','));
        if (typeof createApp !== 'function') throw new Error('no createApp');
        createApp({ client: new ph.PosthogClient({ config: ph.loadConfig({}) }) });
        console.log('cjs ok');
      `,
    });
    expect(run('node', ['index.cjs'], dir).trim()).toBe('cjs ok');
  });

  it('loads from ESM, snippet template included', () => {
    const dir = project('esm', {
      'package.json': '{ "type": "module" }',
      'index.mjs': `
        import { loadConfig, PosthogClient, posthogSnippet } from 'express-posthog';
        import { createApp } from 'express-posthog/app';
        const client = new PosthogClient({ config: loadConfig({}, { apiKey: 'phc_smoke', host: 'http://127.0.0.1:9' }) });
        if (typeof posthogSnippet({ client }) !== 'function') throw new Error('no middleware');
        createApp({ client });
        await client.shutdown(10);
        console.log('esm ok');
      `,
    });
    expect(run('node', ['index.mjs'], dir).trim()).toBe('esm ok');
  });

  it('type-checks from a TypeScript nodenext project', () => {
    const dir = project('ts', {
      'package.json': '{ "type": "module" }',
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['index.ts'],
      }),
      'index.ts': `
        import express from 'express';
        import { type PosthogConfig, loadConfig, posthogSnippet, posthogUser, posthogErrorHandler, traceGeneration } from 'express-posthog';
        import { createApp, type CreateAppOptions } from 'express-posthog/app';
        const config: PosthogConfig = loadConfig(process.env, { identifyPii: 'id' });
        const app = express();
        app.use(posthogSnippet({ maxBufferBytes: 1024 }));
        app.use(posthogUser({ getUser: (req) => (req as { user?: unknown }).user }));
        app.use(posthogErrorHandler());
        const options: CreateAppOptions = { demoAuth: false };
        createApp(options);
        const answer: Promise<number> = traceGeneration({ provider: 'openai', model: 'm' }, async () => 42);
        void answer; void config;
      `,
    });
    expect(() =>
      run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], dir),
    ).not.toThrow();
  });

  it('runs the express-posthog bin', () => {
    const dir = project('bin', { 'package.json': '{}' });
    const out = run(
      'node',
      ['node_modules/express-posthog/dist/bin/express-posthog.js', '--version'],
      dir,
    );
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
