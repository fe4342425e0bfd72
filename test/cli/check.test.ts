import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECK_EXIT, cookielessNote, runCheck } from '../../src/cli/check.js';
import { ENV_VARIABLES } from '../../src/core/config/env.js';
import { loadConfig } from '../../src/core/config/index.js';
import { type CaptureServer, closedPort, startCaptureServer } from '../helpers/capture-server.js';
import { silentLogger } from '../helpers/logger.js';
import { runTs } from './run-child.js';

const BIN = 'src/bin/express-posthog.ts';
const KEY = 'phc_Abcdefghijklmnopqrstuvwxyz0123456789';

let server: CaptureServer;

beforeEach(async () => {
  server = await startCaptureServer();
});

afterEach(async () => {
  await server.close();
});

function check(env: Record<string, string>, args: readonly string[] = []) {
  return runTs(BIN, ['check', ...args], env);
}

describe('express-posthog check', () => {
  it('exits 0 when the host accepts the test event, and prints the config with the key masked', async () => {
    const result = await check({
      POSTHOG_API_KEY: KEY,
      POSTHOG_HOST: server.url,
      POSTHOG_SECRET_KEY: 'phx_personalsecretvalue123456',
      POSTHOG_ENVIRONMENT: 'staging',
    });
    expect(result.code, result.stderr).toBe(CHECK_EXIT.ok);
    expect(result.stdout).toMatch(/POSTHOG_API_KEY\s+phc_…6789\n/);
    expect(result.stdout).toMatch(/POSTHOG_SECRET_KEY\s+phx_…3456\n/);
    expect(result.stdout).toMatch(new RegExp(`POSTHOG_HOST\\s+${server.url}\\n`));
    expect(result.stdout).toMatch(/POSTHOG_ENVIRONMENT\s+staging\n/);
    expect(result.stdout).toContain(`OK: ${server.url} accepted the test event`);
    expect(result.stdout + result.stderr).not.toContain('Abcdefghijklmnop');
    expect(result.stdout + result.stderr).not.toContain('personalsecret');
    const [event] = await server.waitForEvents(
      1,
      (e) => e.event === 'express-posthog check',
      2_000,
    );
    expect(event?.properties).toMatchObject({
      environment: 'staging',
      $process_person_profile: false,
    });
    // The key was checked against /flags too, and nothing else was sent.
    expect(server.requests.some((r) => r.path.startsWith('/flags'))).toBe(true);
    expect(server.events.map((e) => e.event)).toEqual(['express-posthog check']);
  });

  it('exits 3 and names POSTHOG_API_KEY when the host answers 401', async () => {
    server.mode = 401;
    const result = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: server.url });
    expect(result.code).toBe(CHECK_EXIT.rejected);
    expect(result.stderr).toContain(`FAIL: ${server.url} rejected the test event (HTTP 401)`);
    expect(result.stderr).toContain('POSTHOG_API_KEY is wrong for this host');
  });

  it('exits 4 with the system error when nothing listens on the host', async () => {
    const port = await closedPort();
    const host = `http://127.0.0.1:${port}`;
    const result = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: host });
    expect(result.code).toBe(CHECK_EXIT.unreachable);
    expect(result.stderr).toContain(`FAIL: cannot reach ${host}`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('Check POSTHOG_HOST');
  });

  it('exits 4 within the bound when the host never answers', async () => {
    server.mode = 'hang';
    const result = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: server.url }, [
      '--timeout',
      '500',
    ]);
    expect(result.code).toBe(CHECK_EXIT.unreachable);
    expect(result.stderr).toContain(`FAIL: ${server.url} did not answer within 500 ms`);
    const sentAt = [...result.lineAt].find(([line]) => line.startsWith('sending'))?.[1];
    expect(result.exitAt - sentAt!).toBeLessThan(500 + 1_500);
  });

  it('exits 5 when the host fails with a 500', async () => {
    server.mode = 500;
    const result = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: server.url });
    expect(result.code).toBe(CHECK_EXIT.unexpected);
    expect(result.stderr).toContain('failed on the test event (HTTP 500)');
  });

  it('exits 2 without sending anything when the key is unset or is a personal key', async () => {
    const unset = await check({ POSTHOG_HOST: server.url });
    expect(unset.code).toBe(CHECK_EXIT.notConfigured);
    expect(unset.stderr).toContain('POSTHOG_API_KEY is not set');
    const personal = await check({
      POSTHOG_API_KEY: 'phx_personal0123456789',
      POSTHOG_HOST: server.url,
    });
    expect(personal.code).toBe(CHECK_EXIT.notConfigured);
    expect(personal.stderr).toContain('personal or secret API key');
    expect(personal.stdout).not.toContain('personal0123');
    expect(server.connections).toBe(0);
  });

  it('prints bad configuration values as warnings', async () => {
    const result = await check({
      POSTHOG_API_KEY: KEY,
      POSTHOG_HOST: server.url,
      POSTHOG_LLM_PAYLOAD_MAX_CHARS: 'lots',
    });
    expect(result.code).toBe(CHECK_EXIT.ok);
    expect(result.stdout).toContain(
      'warning: POSTHOG_LLM_PAYLOAD_MAX_CHARS="lots" is not a positive integer',
    );
  });
});

describe("express-posthog check's configuration table", () => {
  it('prints one line for every setting of the environment table, and no other variable', async () => {
    const result = await check({ NODE_ENV: 'Production', DEBUG: '1' });
    expect(result.code).toBe(CHECK_EXIT.notConfigured);
    const [, block = ''] =
      /^express-posthog configuration:\n((?: {2}.*\n)+)/.exec(result.stdout) ?? [];
    const printed = block
      .split('\n')
      .flatMap((line) => /^ {2}([A-Z][A-Z0-9_]*) {2,}/.exec(line)?.[1] ?? []);
    const library = ENV_VARIABLES.filter((row) => row.readBy.includes('library'));
    const settings = library.filter((row) => row.fallbackFor === undefined).map((row) => row.name);
    expect(printed).toEqual(settings);
    // A fallback is shown through the setting it supplies.
    for (const row of library.filter((row) => row.fallbackFor !== undefined)) {
      for (const target of row.fallbackFor ?? []) expect(printed).toContain(target);
    }
    expect(block).toMatch(/ {2}NODE_ENV +production\n/);
    expect(block).toMatch(/ {2}DEBUG +false\n/);
    expect(result.stdout).toContain('warning: DEBUG="1" is ignored with NODE_ENV=production');
  });
});

describe('express-posthog usage', () => {
  it('prints help and the version, exit 0; a bad command exits 2 with the usage', async () => {
    const help = await runTs(BIN, ['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: express-posthog <command>');
    const version = await runTs(BIN, ['--version'], {});
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await runTs(BIN, ['chekc'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "chekc"');
    const badTimeout = await runTs(BIN, ['check', '--timeout', 'soon'], {});
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout must be a positive number');
  });
});

describe('express-posthog check --url', () => {
  /** An app under helmet's default policy with the snippet, first-party or from the CDN. */
  async function serveApp(firstParty: boolean) {
    const { default: express } = await import('express');
    const { default: helmet } = await import('helmet');
    const { posthogSnippet } = await import('../../src/snippet/index.js');
    const { enabledClient } = await import('../helpers/client.js');
    const { serve } = await import('../helpers/serve.js');
    const { client } = enabledClient(server.url, { apiKey: KEY, firstParty });
    const app = express();
    app.use(helmet());
    app.use(posthogSnippet({ client }));
    app.get('/', (_req, res) => {
      res.send('<!doctype html><html><head><title>app</title></head><body>hi</body></html>');
    });
    app.get('/api/orders', (_req, res) => {
      res.json({ orders: [] });
    });
    const site = await serve(app);
    return {
      ...site,
      close: async () => {
        await client.shutdown(100);
        await site.close();
      },
    };
  }

  it('reads a first-party app from its page: no false "blocked", with no variables in the shell or with the key', async () => {
    const app = await serveApp(true);
    try {
      const bare = await check({}, ['--url', `${app.url}/`]);
      expect(bare.code, bare.stderr).toBe(CHECK_EXIT.ok);
      expect(bare.stdout).toContain(
        `${app.url}/: the snippet loads posthog-js from the app itself and sends to the app itself (read from the page).`,
      );
      expect(bare.stdout).toContain(
        `${app.url}/: its Content-Security-Policy lets the snippet, posthog-js and its requests run.`,
      );
      expect(bare.stdout).toContain(
        'POSTHOG_API_KEY is not set in this shell, so no test event was sent',
      );
      expect(bare.stdout + bare.stderr).not.toMatch(/block/i);
      // The shell has the key but not the app's POSTHOG_FIRST_PARTY: the page still decides.
      const keyed = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: server.url }, [
        '--url',
        `${app.url}/`,
      ]);
      expect(keyed.code, keyed.stderr).toBe(CHECK_EXIT.ok);
      expect(keyed.stdout + keyed.stderr).not.toMatch(/block/i);
      expect(keyed.stdout).toContain(`OK: ${server.url} accepted the test event`);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('reports what the policy blocks of a CDN snippet, with the exact fix, and exits non-zero', async () => {
    const app = await serveApp(false);
    const origin = new URL(server.url).origin;
    try {
      const blocked = await check({}, ['--url', `${app.url}/`]);
      expect(blocked.code).toBe(CHECK_EXIT.page);
      expect(blocked.stdout).toContain(
        `${app.url}/: the snippet loads posthog-js from ${origin} and sends to ${origin} (read from the page).`,
      );
      expect(blocked.stdout).toContain(
        `the Content-Security-Policy of ${app.url}/ blocks PostHog:`,
      );
      expect(blocked.stdout).toContain(`add ${origin} to script-src`);
      expect(blocked.stdout).toContain('POSTHOG_FIRST_PARTY=true');
      expect(blocked.stderr).toContain(
        `FAIL: the Content-Security-Policy of ${app.url}/ blocks the snippet (fixes above).`,
      );
    } finally {
      await app.close();
    }
  }, 60_000);

  it('says plainly that a JSON route is not a page, and that an unreachable URL cannot be loaded', async () => {
    const app = await serveApp(true);
    try {
      const json = await check({}, ['--url', `${app.url}/api/orders`]);
      expect(json.code).toBe(CHECK_EXIT.page);
      expect(json.stderr).toContain(
        `FAIL: ${app.url}/api/orders answered application/json, not an HTML page: the snippet is spliced into full HTML pages only`,
      );
      expect(json.stdout).not.toContain('lets the snippet');
    } finally {
      await app.close();
    }
    const down = `http://127.0.0.1:${await closedPort()}/`;
    const unreachable = await check({}, ['--url', down, '--timeout', '2000']);
    expect(unreachable.code).toBe(CHECK_EXIT.unreachable);
    expect(unreachable.stderr).toContain(`FAIL: cannot load ${down}:`);
    const bad = await check({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: server.url }, [
      '--url',
      'ftp://x',
    ]);
    expect(bad.code).toBe(CHECK_EXIT.notConfigured);
    expect(bad.stderr).toContain('--url must be an http(s) URL');
  }, 60_000);

  it('never prints a credential of the URL it was given', async () => {
    const app = await serveApp(true);
    try {
      const hostPort = app.url.slice('http://'.length);
      const url = `http://deploy:s3cret-pass@${hostPort}/?token=tok-value-123&page=2#access_token=frag-secret`;
      const result = await check({}, ['--url', url]);
      expect(result.code, result.stderr).toBe(CHECK_EXIT.ok);
      const printed = result.stdout + result.stderr;
      for (const secret of ['deploy', 's3cret-pass', 'tok-value-123', 'frag-secret']) {
        expect(printed).not.toContain(secret);
      }
      expect(printed).toContain('page=2');
      const down = await check({}, [
        '--url',
        `http://deploy:s3cret-pass@127.0.0.1:${await closedPort()}/?token=tok-value-123`,
        '--timeout',
        '2000',
      ]);
      expect(down.code).toBe(CHECK_EXIT.unreachable);
      expect(down.stdout + down.stderr).not.toMatch(/s3cret-pass|tok-value-123|deploy/);
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('check and the consent mode', () => {
  async function checkOutput(env: Record<string, string>): Promise<string[]> {
    const lines: string[] = [];
    await runCheck({ env, out: (line) => lines.push(line), err: (line) => lines.push(line) });
    return lines;
  }

  it.each(['ask', 'cookieless'])(
    "says in mode %s that the project's cookieless setting is needed",
    async (consent) => {
      const lines = await checkOutput({ POSTHOG_CONSENT: consent });
      expect(
        lines.some((line) => /^\s+POSTHOG_CONSENT\s+/.test(line) && line.endsWith(consent)),
      ).toBe(true);
      const note = lines.find((line) => line.startsWith(`note: POSTHOG_CONSENT=${consent}:`));
      expect(note).toContain('Cookieless server hash mode');
      expect(note).toContain('https://eu.posthog.com');
    },
  );

  it('says nothing of it in mode granted', async () => {
    const lines = await checkOutput({});
    expect(lines.filter((line) => line.includes('cookieless'))).toEqual([]);
    expect(
      cookielessNote(loadConfig({}, { consent: 'granted', logger: silentLogger })),
    ).toBeUndefined();
  });
});
