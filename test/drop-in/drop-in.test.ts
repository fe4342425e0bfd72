import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentMode } from '../../src/core/config/types.js';
import { loadConfig, PosthogClient, posthogSnippet } from '../../src/index.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { enabledClient } from '../helpers/client.js';
import { expressVersions } from '../helpers/express-versions.js';
import { recordingLogger } from '../helpers/logger.js';
import { APPS } from './apps/index.js';
import { ordersOf, type Variant } from './harness/app-case.js';
import { startUpstream, writeFixtures } from './harness/fixtures.js';
import {
  caseDifferences,
  runCase,
  type SnippetFactory,
  type StepResult,
  startVariants,
  type VariantServers,
} from './harness/run.js';
import { agent } from './harness/wire.js';

// The matrix: every app × each of its orders × each of its requests × both Express majors,
// each compared with the key set and with it unset (docs/drop-in.md). It runs once per consent
// mode below: `granted` (the default) and `ask`, whose anonymous visitor (no consent cookie) must
// see the same drop-in promise (docs/observability.md, "Consent").
const MODES: readonly ConsentMode[] = ['granted', 'ask'];
const combos = APPS.reduce((n, app) => n + ordersOf(app).length, 0);
const requestCases = APPS.reduce((n, app) => n + ordersOf(app).length * app.requests.length, 0);
const SIZE = `${APPS.length} apps, ${combos} app×order builds, ${requestCases} request cases × ${expressVersions.length} Express versions = ${requestCases * expressVersions.length} cases, each with the key set (boot delivery, and first-party) and unset (${requestCases * expressVersions.length * 3} tests)`;

/** One failure message: the case, then each difference on its own line. */
function report(where: string, found: readonly string[]): string {
  return `${where}: ${found.length} difference(s) beyond the named edits\n  - ${found.join('\n  - ')}`;
}

let capture: CaptureServer;
/** The key-set client of each consent mode. */
const enabled = new Map<ConsentMode, PosthogClient>();
let disabled: PosthogClient;
let fixtures: ReturnType<typeof writeFixtures>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;

/** The snippet of each variant, the key-set ones with `mode`'s client. */
const snippetOf =
  (mode: ConsentMode): SnippetFactory =>
  (variant) =>
    posthogSnippet({
      client: variant === 'disabled' ? disabled : (enabled.get(mode) as PosthogClient),
      firstParty: variant === 'first-party',
    }) as never;

beforeAll(async () => {
  capture = await startCaptureServer();
  fixtures = writeFixtures();
  upstream = await startUpstream();
  for (const mode of MODES) enabled.set(mode, enabledClient(capture.url, { consent: mode }).client);
  disabled = new PosthogClient({ config: loadConfig({}, { logger: recordingLogger() }) });
});

afterAll(async () => {
  await Promise.all([...enabled.values()].map((client) => client.shutdown(1000)));
  await upstream?.close();
  await capture?.close();
  fixtures?.remove();
  agent.destroy();
});

describe.each(MODES)(`drop-in matrix, consent %s: ${SIZE}`, (mode) => {
  it('the key-unset copy really has the package off and the key-set copy on, in this mode', () => {
    expect(disabled.enabled).toBe(false);
    expect(enabled.get(mode)?.enabled).toBe(true);
    expect(enabled.get(mode)?.config.consent).toBe(mode);
  });

  describe.each(expressVersions.map((v) => [v.name, v] as const))('%s', (version, { express }) => {
    describe.each(APPS.map((app) => [app.name, app] as const))('%s', (_name, app) => {
      describe.each(ordersOf(app))('%s', (order) => {
        let servers: VariantServers;
        beforeAll(async () => {
          servers = await startVariants(
            app,
            order,
            { express, fixtures: fixtures.dir, upstream: upstream.url },
            snippetOf(mode),
          );
        });
        afterAll(() => servers?.close());

        describe.each(app.requests.map((rc) => [rc.name, rc] as const))('%s', (_name, rc) => {
          let results: Promise<Record<Variant, StepResult[]>> | undefined;
          const run = () => {
            results ??= runCase(servers, rc, `${mode}|${version}|${app.name}|${order}|${rc.name}`);
            return results;
          };
          const where = `[${mode}, ${version}] ${app.name} | ${order} | ${rc.name}`;

          it('key set: the same response but for the named edits', async () => {
            const found = caseDifferences(await run(), 'enabled', order);
            if (found.length > 0) expect.fail(report(`${where} (key set)`, found));
          });

          it('key set, first-party: the same response but for the named edits', async () => {
            const found = caseDifferences(await run(), 'first-party', order);
            if (found.length > 0) expect.fail(report(`${where} (first-party)`, found));
          });

          it('key unset: byte-identical, headers identical', async () => {
            const found = caseDifferences(await run(), 'disabled', order);
            if (found.length > 0) expect.fail(report(`${where} (key unset)`, found));
          });
        });
      });
    });
  });
});
