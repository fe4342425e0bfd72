import { PostHog } from 'posthog-node';
import { SETTINGS, type SettingName } from '../core/config/env.js';
import { loadConfig } from '../core/config/index.js';
import type { Env, PosthogConfig } from '../core/config/types.js';
import { describeError, safeField } from '../core/errors/describe-error.js';
import { cspProblems, describeFix, originOf, snippetNeeds } from '../core/http/csp.js';
import { isHtmlType } from '../core/http/media-type.js';
import { redactUrl } from '../core/redact/redact.js';

/** Exit codes of `express-posthog check`. */
export const CHECK_EXIT = Object.freeze({
  /** The host accepted the test event (and the key, where it could be checked). */
  ok: 0,
  /** Not configured: `POSTHOG_API_KEY` unset, or the wrong kind of key; or a usage error. */
  notConfigured: 2,
  /** The host rejected the key (HTTP 401 or 403). */
  rejected: 3,
  /** The host could not be reached, or did not answer within the bound. */
  unreachable: 4,
  /** The host answered, but not as PostHog does (another HTTP status, or not PostHog at all). */
  unexpected: 5,
  /**
   * `--url`: the page is not one the snippet serves (not HTML, no snippet, its boot script does
   * not load) or its Content-Security-Policy blocks the snippet.
   */
  page: 6,
});

/** Options of {@link runCheck}. */
export interface CheckOptions {
  /** The environment to read. @default process.env (through `loadConfig`) */
  readonly env?: Env;
  /** How long to wait for each answer of the host. @default config.shutdownTimeoutMs */
  readonly timeoutMs?: number;
  /** Where report lines go. @default stdout */
  readonly out?: (line: string) => void;
  /** Where the failure line goes. @default stderr */
  readonly err?: (line: string) => void;
  /**
   * A page of the app (`check --url http://127.0.0.1:3000/`): how the snippet is delivered is
   * read from the page itself, its Content-Security-Policy is checked for what that needs, and
   * what it blocks is reported with the fix. Without `POSTHOG_API_KEY` in this environment,
   * only the page is checked.
   */
  readonly pageUrl?: string;
}

/** The event the check sends. */
export const CHECK_EVENT = 'express-posthog check';

/**
 * A key for display: its prefix and its last 4 characters, such as
 * `phc_…wxyz`; a short key shows its prefix only.
 *
 * @example
 * maskSecret('phc_abcdefghijklmnopwxyz'); // 'phc_…wxyz'
 */
export function maskSecret(value: string | undefined): string {
  if (value === undefined) return '(unset)';
  const prefix = /^[a-z]{2,4}[_-]/i.exec(value)?.[0] ?? '';
  const tail = value.length - prefix.length >= 12 ? value.slice(-4) : '';
  return `${prefix}…${tail}`;
}

/** A URL for display, without credentials. */
function showUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
      return parsed.toString().replace(/\/$/, '');
    }
  } catch {
    // not a URL: shown as it is
  }
  return url;
}

/** How `check` shows the value each setting resolved to, secrets masked. */
const SHOW_SETTING: { readonly [N in SettingName]: (config: PosthogConfig) => string } = {
  POSTHOG_API_KEY: (config) => maskSecret(config.apiKey),
  POSTHOG_HOST: (config) => showUrl(config.host),
  POSTHOG_UI_HOST: (config) =>
    `${showUrl(config.uiHost)}${config.uiHostExplicit ? '' : ' (derived)'}`,
  POSTHOG_SECRET_KEY: (config) =>
    config.secretKey === undefined ? '(unset)' : maskSecret(config.secretKey),
  POSTHOG_ENVIRONMENT: (config) => config.environment,
  POSTHOG_RELEASE: (config) => config.release ?? '(none)',
  POSTHOG_IDENTIFY_PII: (config) => config.identifyPii,
  POSTHOG_REPLAY: (config) => String(config.replay),
  POSTHOG_REPLAY_MASK_SELECTOR: (config) => config.replayMaskSelector || '(none)',
  POSTHOG_LLM_PAYLOADS: (config) => String(config.llmPayloads),
  POSTHOG_LLM_PAYLOAD_MAX_CHARS: (config) => String(config.llmPayloadMaxChars),
  POSTHOG_JS_SRC: (config) => config.jsSrc,
  POSTHOG_FIRST_PARTY: (config) => String(config.firstParty),
  POSTHOG_SNIPPET_HOLD_MS: (config) => String(config.snippetHoldMs),
  POSTHOG_CONSENT: (config) => config.consent,
  POSTHOG_SHUTDOWN_TIMEOUT_MS: (config) => String(config.shutdownTimeoutMs),
  DEBUG: (config) => String(config.debug),
  NODE_ENV: (config) => (config.production ? 'production' : '(not production)'),
};

/**
 * The resolved configuration, secrets masked, one aligned `name  value` line for each
 * setting of the environment table (env.ts), and the assets host derived from the host.
 *
 * @example
 * for (const line of describeConfig(loadConfig())) console.log(line);
 * // '  POSTHOG_API_KEY   phc_…wxyz' …
 */
export function describeConfig(config: PosthogConfig): string[] {
  const rows = SETTINGS.flatMap(({ name }): [string, string][] => {
    const row: [string, string] = [name, SHOW_SETTING[name](config)];
    return name === 'POSTHOG_UI_HOST' ? [row, ['assets host', showUrl(config.assetsHost)]] : [row];
  });
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
}

/**
 * What `check` says about the consent mode: in `ask` and `cookieless`, the browser counts
 * visitors without consent with posthog-js's cookieless mode, which PostHog drops unless the
 * project's cookieless setting is on (docs/observability.md, "Consent").
 *
 * @example
 * cookielessNote(loadConfig({ POSTHOG_API_KEY: 'phc_x', POSTHOG_CONSENT: 'ask' })); // 'note: POSTHOG_CONSENT=ask …'
 */
export function cookielessNote(config: PosthogConfig): string | undefined {
  if (config.consent === 'granted') return undefined;
  const who =
    config.consent === 'ask' ? 'visitors who have not accepted (or refused)' : 'every visitor';
  return (
    `note: POSTHOG_CONSENT=${config.consent}: page views and errors of ${who} are sent cookieless. ` +
    `PostHog drops them unless the project's cookieless setting is on: in ${showUrl(config.uiHost)}, ` +
    'Settings > Web analytics > "Cookieless server hash mode".'
  );
}

/** The outcome of one request to the host. */
type Answer =
  | { readonly kind: 'ok'; readonly ms: number; readonly body?: unknown }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'network'; readonly detail: string }
  | { readonly kind: 'timeout' };

/** A network failure in words: the system code (ECONNREFUSED, ENOTFOUND…) and message of the deepest cause. */
function networkDetail(error: unknown): string {
  const chain = causes(error);
  const cause = chain[chain.length - 1];
  const code = safeField(cause, 'code');
  const message = safeField(cause, 'message');
  const text = typeof message === 'string' && message !== '' ? message : describeError(cause);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/** The error and its causes (`cause`, or the SDK's `error`), outermost first. */
function causes(error: unknown): unknown[] {
  const chain = [error];
  for (let depth = 0; depth < 5; depth += 1) {
    const last = chain[chain.length - 1];
    const next = safeField(last, 'cause') ?? safeField(last, 'error');
    if (next === undefined || chain.includes(next)) break;
    chain.push(next);
  }
  return chain;
}

/** Reads what the SDK reported for one send. */
function answerOfSdkError(error: unknown): Answer {
  const status = safeField(error, 'status');
  if (typeof status === 'number') return { kind: 'status', status };
  const timedOut = causes(error).some((cause) => {
    const name = safeField(cause, 'name');
    const message = safeField(cause, 'message');
    return (
      name === 'AbortError' ||
      name === 'TimeoutError' ||
      (typeof message === 'string' && /timed out/i.test(message))
    );
  });
  return timedOut ? { kind: 'timeout' } : { kind: 'network', detail: networkDetail(error) };
}

/** Sends the test event through the real posthog-node SDK, no retries, and reads its answer. */
async function sendTestEvent(config: PosthogConfig, timeoutMs: number): Promise<Answer> {
  const errors: unknown[] = [];
  const sdk = new PostHog(config.apiKey ?? '', {
    host: config.host,
    fetchRetryCount: 0,
    requestTimeout: timeoutMs,
    flushAt: 1,
    disableGeoip: true,
  });
  sdk.on('error', (error: unknown) => errors.push(error));
  const started = performance.now();
  try {
    await sdk.captureImmediate({
      distinctId: 'express-posthog-check',
      event: CHECK_EVENT,
      properties: {
        environment: config.environment,
        ...(config.release !== undefined ? { release: config.release } : {}),
        $process_person_profile: false,
      },
    });
  } catch (error) {
    errors.push(error);
  }
  const ms = Math.round(performance.now() - started);
  await sdk.shutdown(Math.min(timeoutMs, 1_000)).catch(() => {});
  const [first] = errors;
  return first === undefined ? { kind: 'ok', ms } : answerOfSdkError(first);
}

/**
 * Asks `/flags` about the key: unlike the capture endpoint, which accepts
 * any well-formed key and drops unknown ones later, it answers 401 to a key
 * no project has.
 */
async function checkKey(config: PosthogConfig, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(`${config.host}/flags/?v=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: config.apiKey, distinct_id: 'express-posthog-check' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) return { kind: 'status', status: response.status };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { kind: 'ok', ms: Math.round(performance.now() - started), body };
  } catch (error) {
    const name = safeField(error, 'name');
    if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
    return { kind: 'network', detail: networkDetail(error) };
  }
}

/** True when a `/flags` answer looks like PostHog's. */
function looksLikeFlags(body: unknown): boolean {
  return safeField(body, 'flags') !== undefined || safeField(body, 'featureFlags') !== undefined;
}

/**
 * `express-posthog check`: prints the resolved configuration with secrets
 * masked, sends one test event (`express-posthog check`, personless) through
 * the real SDK, checks the key with `/flags`, and says in one line what is
 * wrong if anything is. Waits at most `timeoutMs` for each answer.
 *
 * @returns the exit code, one of {@link CHECK_EXIT}.
 * @example
 * process.exitCode = await runCheck({ timeoutMs: 3000 });
 */
export async function runCheck(options: Readonly<CheckOptions> = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const warnings: string[] = [];
  const errors: string[] = [];
  const collect = (message: string) => warnings.push(message);
  const config = loadConfig(options.env, {
    logger: { debug() {}, info() {}, warn: collect, error: (message) => errors.push(message) },
  });
  const timeoutMs = options.timeoutMs ?? config.shutdownTimeoutMs;
  const host = showUrl(config.host);

  out('express-posthog configuration:');
  for (const line of describeConfig(config)) out(line);
  for (const warning of warnings) out(`warning: ${warning}`);
  // A refused key or host is also `config.refused`: told once, as the FAIL below.
  for (const error of errors) if (error !== config.refused) out(`error: ${error}`);
  if (config.refused !== undefined) {
    err(`FAIL: ${config.refused}`);
    return CHECK_EXIT.notConfigured;
  }
  const consentNote = cookielessNote(config);
  if (consentNote !== undefined) out(consentNote);

  if (options.pageUrl !== undefined) {
    const page = await checkPage(options.pageUrl, timeoutMs);
    for (const line of page.lines) out(line);
    if (page.failure) {
      err(page.failure.message);
      return page.failure.code;
    }
    if (!config.enabled) {
      out(
        'POSTHOG_API_KEY is not set in this shell, so no test event was sent; the page was checked as the app serves it.',
      );
      return CHECK_EXIT.ok;
    }
  }
  if (!config.enabled) {
    err(
      'FAIL: POSTHOG_API_KEY is not set, so express-posthog is off and sends nothing. ' +
        'Set it to the project API key (phc_…) from your PostHog project settings.',
    );
    return CHECK_EXIT.notConfigured;
  }

  out(`sending a test event "${CHECK_EVENT}" to ${host} (waiting up to ${timeoutMs} ms)…`);
  const sent = await sendTestEvent(config, timeoutMs);
  const failed = describeFailure(sent, host, timeoutMs, 'the test event');
  if (failed) {
    err(failed.message);
    return failed.code;
  }

  const key = await checkKey(config, timeoutMs);
  if (key.kind === 'status' && (key.status === 401 || key.status === 403)) {
    const keyFailure = describeFailure(key, host, timeoutMs, 'the project API key');
    if (keyFailure) {
      err(keyFailure.message);
      return keyFailure.code;
    }
  }
  if (key.kind !== 'ok' || !looksLikeFlags(key.body)) {
    out(
      `note: ${host}/flags/ did not confirm the key (${key.kind === 'status' ? `HTTP ${key.status}` : key.kind}); ` +
        'a proxy that forwards only event capture can cause this.',
    );
  }
  out(
    `OK: ${host} accepted the test event in ${sent.kind === 'ok' ? sent.ms : '?'} ms. ` +
      `Look for "${CHECK_EVENT}" in ${showUrl(config.uiHost)} (Activity).`,
  );
  return CHECK_EXIT.ok;
}

/** The failure line and exit code for an answer, or `undefined` when it is a success. */
function describeFailure(
  answer: Answer,
  host: string,
  timeoutMs: number,
  what: string,
): { code: number; message: string } | undefined {
  switch (answer.kind) {
    case 'ok':
      return undefined;
    case 'timeout':
      return {
        code: CHECK_EXIT.unreachable,
        message:
          `FAIL: ${host} did not answer within ${timeoutMs} ms. Check POSTHOG_HOST, ` +
          'the network, a firewall or an HTTP proxy; raise the wait with --timeout.',
      };
    case 'network':
      return {
        code: CHECK_EXIT.unreachable,
        message:
          `FAIL: cannot reach ${host}: ${answer.detail}. Check POSTHOG_HOST ` +
          '(https://eu.i.posthog.com, https://us.i.posthog.com, or your proxy) and the network.',
      };
    case 'status':
      if (answer.status === 401 || answer.status === 403) {
        return {
          code: CHECK_EXIT.rejected,
          message:
            `FAIL: ${host} rejected ${what} (HTTP ${answer.status}): POSTHOG_API_KEY is wrong for this host. ` +
            "Copy the project API key (phc_…) from the project's settings, and check that " +
            'POSTHOG_HOST is the region of that project (eu or us).',
        };
      }
      return {
        code: CHECK_EXIT.unexpected,
        message:
          answer.status >= 500
            ? `FAIL: ${host} failed on ${what} (HTTP ${answer.status}). The host is up but erroring; try again, or check its status.`
            : `FAIL: ${host} answered HTTP ${answer.status} to ${what}: it does not look like a PostHog ingestion host. ` +
              'Check POSTHOG_HOST (https://eu.i.posthog.com, https://us.i.posthog.com, or your proxy).',
      };
  }
}

/** What `check --url` found: report lines, and the failure line and exit code if any. */
interface PageReport {
  readonly lines: string[];
  readonly failure?: { readonly code: number; readonly message: string };
}

/** A URL as `check` prints it: no userinfo, secret query values and fragments redacted. */
function showPageUrl(url: string): string {
  return redactUrl(url);
}

/** `fetch` of a URL given with `user:pass@`: the credentials go in `Authorization`, as a browser would send them. */
async function fetchGiven(url: string, accept: string, timeoutMs: number): Promise<Response> {
  const target = new URL(url);
  const headers: Record<string, string> = { accept };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  return fetch(target, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
}

/** The value of an attribute in a tag's source, quoted either way, or `undefined`. */
function attribute(tag: string, name: string): string | undefined {
  const found = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  const value = found?.[1] ?? found?.[2];
  return value
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/** A JSON string value of `"name":"…"` in the snippet's code, or `undefined`. */
function setting(code: string, name: string): string | undefined {
  const found = new RegExp(`"${name}":("(?:[^"\\\\]|\\\\.)*")`).exec(code);
  if (!found?.[1]) return undefined;
  try {
    return JSON.parse(found[1]) as string;
  } catch {
    return undefined;
  }
}

/**
 * `check --url`: loads the page and reads how the app delivers the snippet from the page itself
 * — its boot tag and the boot script it loads (or the inline snippet): where posthog-js comes
 * from and where it sends — never from this shell's variables; then checks the page's
 * Content-Security-Policy against that. A URL that cannot be loaded, a response that is not an
 * HTML page, a page without the snippet and a policy that blocks it are failures, with the
 * words to fix them. No credential of the URL is printed.
 */
async function checkPage(url: string, timeoutMs: number): Promise<PageReport> {
  const shown = showPageUrl(url);
  let response: Response;
  let html: string;
  try {
    response = await fetchGiven(url, 'text/html', timeoutMs);
    html = (await response.text()).slice(0, 4 * 1024 * 1024);
  } catch (error) {
    const name = safeField(error, 'name');
    const why =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${timeoutMs} ms`
        : redactUrl(networkDetail(error));
    return {
      lines: [],
      failure: {
        code: CHECK_EXIT.unreachable,
        message: `FAIL: cannot load ${shown}: ${why}. Check that the app is running and the URL is right.`,
      },
    };
  }
  const type = response.headers.get('content-type') ?? '(none)';
  if (!isHtmlType(type)) {
    return {
      lines: [],
      failure: {
        code: CHECK_EXIT.page,
        message: `FAIL: ${shown} answered ${type.split(';')[0]}, not an HTML page: the snippet is spliced into full HTML pages only, so nothing of PostHog runs there. Give the URL of a page of the app, e.g. its home page.`,
      },
    };
  }
  const tag = /<script\s[^>]*data-express-posthog\b[^>]*>/i.exec(html)?.[0];
  if (tag === undefined) {
    return {
      lines: [],
      failure: {
        code: CHECK_EXIT.page,
        message: `FAIL: ${shown} (HTTP ${response.status}) carries no express-posthog snippet: posthogSnippet() is not registered before the routes, PostHog is off in the app (no POSTHOG_API_KEY in its environment, and no posthogInspector()), or the page is not a full HTML document.`,
      },
    };
  }
  const nonce = attribute(tag, 'nonce');
  const bootSrc = attribute(tag, 'src');
  let code: string;
  let bootUrl: string | undefined;
  if (bootSrc !== undefined) {
    bootUrl = new URL(bootSrc, response.url || url).toString();
    try {
      const boot = await fetchGiven(bootUrl, '*/*', timeoutMs);
      code = await boot.text();
      if (!boot.ok) throw new Error(`HTTP ${boot.status}`);
    } catch (error) {
      return {
        lines: [],
        failure: {
          code: CHECK_EXIT.page,
          message: `FAIL: ${shown} loads its boot script from ${showPageUrl(bootUrl)}, which did not load (${redactUrl(describeError(error))}): the page gets no PostHog. Register posthogSnippet() where it can answer that path, or use delivery: 'inline'.`,
        },
      };
    }
  } else {
    code = html.slice(html.indexOf(tag));
  }
  const page = new URL(response.url || url);
  const src = setting(code, 'src');
  const apiHost = setting(code, 'api_host');
  if (src === undefined || apiHost === undefined) {
    return {
      lines: [],
      failure: {
        code: CHECK_EXIT.page,
        message: `FAIL: the snippet of ${shown} carries no posthog-js source or api_host: it is not one this version of express-posthog wrote.`,
      },
    };
  }
  // Same-origin parts as paths (what 'self' allows); the others by their absolute URL.
  const sameOrigin = (value: string, base: URL): string => {
    const resolved = new URL(value, base);
    return resolved.origin === page.origin ? resolved.pathname : resolved.toString();
  };
  const loader = sameOrigin(src, bootUrl ? new URL(bootUrl) : page);
  const api = sameOrigin(apiHost, page);
  const loaderOrigin = originOf(loader);
  const lines = [
    `${shown}: the snippet loads posthog-js from ${loaderOrigin ?? 'the app itself'} and sends to ${originOf(api) ?? 'the app itself'} (read from the page).`,
  ];
  const policy = response.headers.get('content-security-policy');
  if (policy === null) {
    return {
      lines: [...lines, `${shown}: no Content-Security-Policy; nothing blocks the snippet.`],
    };
  }
  const needs = snippetNeeds({
    bootUrl: bootUrl === undefined ? undefined : sameOrigin(bootUrl, page),
    src: loader,
    apiHost: api,
    // posthog-js loads its remote config and lazy files from the assets host of a CDN loader,
    // from its api_host otherwise.
    configHost: loaderOrigin !== undefined && originOf(api) !== undefined ? loaderOrigin : api,
  });
  const problems = cspProblems(policy, needs, nonce);
  if (problems.length === 0) {
    return {
      lines: [
        ...lines,
        `${shown}: its Content-Security-Policy lets the snippet, posthog-js and its requests run.`,
      ],
    };
  }
  return {
    lines: [
      ...lines,
      `the Content-Security-Policy of ${shown} blocks PostHog:`,
      ...problems.map((problem) => `  - ${describeFix(problem)}`),
      ...(loaderOrigin === undefined && originOf(api) === undefined
        ? []
        : [
            "  or set POSTHOG_FIRST_PARTY=true in the app: everything then comes from the app's origin.",
          ]),
    ],
    failure: {
      code: CHECK_EXIT.page,
      message: `FAIL: the Content-Security-Policy of ${shown} blocks the snippet (fixes above).`,
    },
  };
}
