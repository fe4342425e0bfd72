import { createHash } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import compression from 'compression';
import type { Express } from 'express';
import {
  type AppCase,
  type BuildContext,
  ORDERS,
  type OrderName,
  type RequestCase,
  type StepSpec,
  type Variant,
} from './app-case.js';
import {
  acceptMayTakePage,
  insertionPoint,
  isGuarded,
  responseMayTakeSnippet,
  sharedCacheMayStore,
} from './expected.js';
import { differences, type Expectation, type ExpectedIdentity } from './oracle.js';
import { headerMap, send, type WireResponse } from './wire.js';

type Handler = (req: unknown, res: unknown, next: (error?: unknown) => void) => void;

/** The package's middleware for a variant, built fresh for each app copy. */
export type SnippetFactory = (variant: Exclude<Variant, 'baseline'>) => Handler;

/** Builds one copy of `app` in `order`: the package's slot is empty for the baseline. */
export function buildApp(
  app: AppCase,
  order: OrderName,
  ctx: BuildContext,
  snippet: SnippetFactory,
): Express {
  const built = ctx.express();
  app.setup?.(built, ctx);
  for (const slot of ORDERS[order]) {
    if (slot === 'mw') app.positioned?.(built, ctx);
    else if (slot === 'compression') built.use(compression({ threshold: 0 }));
    else if (ctx.variant !== 'baseline') built.use(snippet(ctx.variant) as never);
  }
  app.routes(built, ctx);
  return built;
}

/** The three servers of one app in one order. */
export interface VariantServers {
  readonly origins: Readonly<Record<Variant, string>>;
  close(): Promise<void>;
}

async function listen(listener: RequestListener): Promise<Server> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Serves the baseline, enabled and disabled copies of `app` on loopback ports. */
export async function startVariants(
  app: AppCase,
  order: OrderName,
  ctx: Omit<BuildContext, 'variant'>,
  snippet: SnippetFactory,
): Promise<VariantServers> {
  const variants: Variant[] = ['baseline', 'enabled', 'first-party', 'disabled'];
  const servers = await Promise.all(
    variants.map((variant) =>
      listen(buildApp(app, order, { ...ctx, variant }, snippet) as unknown as RequestListener),
    ),
  );
  const origins = Object.fromEntries(
    variants.map((v, i) => [v, `http://127.0.0.1:${(servers[i]!.address() as AddressInfo).port}`]),
  ) as Record<Variant, string>;
  return {
    origins,
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}

/** One response of a case, with what was sent. */
export interface StepResult {
  readonly index: number;
  readonly spec: StepSpec;
  readonly kind: 'plain' | 'prime' | 'conditional';
  /** The validator headers actually sent (a conditional step). */
  readonly sent: Readonly<Record<string, string>>;
  readonly response: WireResponse;
}

function header(headers: Readonly<Record<string, string>> | undefined, name: string) {
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers![key];
}

/** A cookie jar: what a browser would send back, from each `Set-Cookie`. */
function remember(jar: Map<string, string>, response: WireResponse): void {
  for (const line of headerMap(response.rawHeaders).get('set-cookie') ?? []) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = /;\s*max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
    if (value === '' || expired) jar.delete(name);
    else jar.set(name, value);
  }
}

function validators(response: WireResponse, send: readonly ('etag' | 'date')[]) {
  const headers = headerMap(response.rawHeaders);
  const sent: Record<string, string> = {};
  const etag = headers.get('etag')?.[0];
  const date = headers.get('last-modified')?.[0];
  if (send.includes('etag') && etag) sent['If-None-Match'] = etag;
  if (send.includes('date') && date) sent['If-Modified-Since'] = date;
  return sent;
}

async function runVariant(
  origin: string,
  rc: RequestCase,
  caseKey: string,
  baseline: readonly StepResult[] | undefined,
): Promise<StepResult[]> {
  const jar = new Map<string, string>();
  const results: StepResult[] = [];
  const once = async (
    spec: StepSpec,
    index: number,
    tag: string,
    extra: Record<string, string>,
  ) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await send(origin, {
      method: spec.method ?? 'GET',
      path: spec.path,
      headers: {
        ...spec.headers,
        ...extra,
        'X-Case': createHash('sha1').update(`${caseKey}#${index}${tag}`).digest('hex'),
        ...(cookie ? { Cookie: cookie } : {}),
      },
      ...(spec.body ? { body: spec.body } : {}),
    });
    remember(jar, response);
    return response;
  };
  for (const [index, spec] of rc.steps.entries()) {
    if (!spec.conditional) {
      results.push({
        index,
        spec,
        kind: 'plain',
        sent: {},
        response: await once(spec, index, '', {}),
      });
      continue;
    }
    const prime = await once(spec, index, 'p', {});
    results.push({ index, spec, kind: 'prime', sent: {}, response: prime });
    const held =
      spec.conditional.from === 'own'
        ? prime
        : (baseline?.find((r) => r.index === index && r.kind === 'prime')?.response ?? prime);
    const sent = validators(held, spec.conditional.send);
    results.push({
      index,
      spec,
      kind: 'conditional',
      sent,
      response: await once(spec, index, '', sent),
    });
  }
  return results;
}

/** Runs every step of `rc` against the four copies, the baseline first. */
export async function runCase(
  servers: VariantServers,
  rc: RequestCase,
  caseKey: string,
): Promise<Record<Variant, StepResult[]>> {
  const baseline = await runVariant(servers.origins.baseline, rc, caseKey, undefined);
  const enabled = await runVariant(servers.origins.enabled, rc, caseKey, baseline);
  const firstParty = await runVariant(servers.origins['first-party'], rc, caseKey, baseline);
  const disabled = await runVariant(servers.origins.disabled, rc, caseKey, baseline);
  return { baseline, enabled, 'first-party': firstParty, disabled };
}

const UNCHANGED: Expectation = {
  insertAt: undefined,
  changed: false,
  lengthUnknown: false,
  identity: undefined,
  addsPrivate: false,
  mayVaryAccept: false,
  nonce: undefined,
  earlyBytesMs: undefined,
};

function identityFor(spec: StepSpec, headers: ReadonlyMap<string, readonly string[]>) {
  const user = spec.user;
  if (sharedCacheMayStore(headers)) {
    const forbidden = user ? [user.id, ...(user.email ? [user.email] : [])] : [];
    return { state: 'withheld', forbidden } satisfies ExpectedIdentity;
  }
  return user
    ? ({ state: 'user', ...user } satisfies ExpectedIdentity)
    : { state: 'anonymous' as const };
}

/** The nonce the response's CSP allows, which the app generated (`'nonce-…'`). */
function cspNonce(headers: ReadonlyMap<string, readonly string[]>): string {
  const csp = (headers.get('content-security-policy') ?? []).join(';');
  return /'nonce-([^']+)'/.exec(csp)?.[1] ?? '(no nonce in the baseline CSP)';
}

function startsWithUtf16Bom(body: Buffer): boolean {
  return (
    body.length >= 2 &&
    ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe))
  );
}

/** What the enabled copy's response to `spec` may differ by from `ref`, the baseline's. */
function expectationFor(spec: StepSpec, ref: WireResponse, reached: boolean): Expectation {
  const accept = header(spec.headers, 'accept');
  const method = spec.method ?? 'GET';
  const headers = headerMap(ref.rawHeaders);
  const eligible =
    reached &&
    acceptMayTakePage(accept) &&
    responseMayTakeSnippet(
      ref.status,
      headers.get('content-type')?.[0],
      headers.get('cache-control'),
    ) &&
    !startsWithUtf16Bom(ref.body) &&
    !isGuarded(ref.body);
  const insertAt =
    eligible && method !== 'HEAD' ? (spec.insertAt ?? insertionPoint)(ref.body) : undefined;
  const changed = method === 'HEAD' ? eligible : insertAt !== undefined;
  const identity = changed ? identityFor(spec, headers) : undefined;
  return {
    insertAt,
    changed,
    lengthUnknown: method === 'HEAD',
    identity,
    addsPrivate: identity?.state === 'user' && !headers.has('cache-control'),
    mayVaryAccept: reached && !acceptMayTakePage(accept),
    nonce: insertAt !== undefined && spec.nonce ? cspNonce(headers) : undefined,
    earlyBytesMs: spec.earlyBytesMs,
  };
}

function label(result: StepResult): string {
  const { spec, kind, sent } = result;
  const what = `step ${result.index + 1} ${spec.method ?? 'GET'} ${spec.path}`;
  if (kind === 'prime') return `${what} (without validators)`;
  if (kind === 'conditional') {
    const names = Object.keys(sent).join(' + ') || 'no validator to send';
    return `${what} (${names} from the ${spec.conditional!.from === 'own' ? "copy's own" : "baseline's"} response)`;
  }
  return what;
}

/**
 * Every difference of `variant`'s responses from the baseline's beyond the named edits, each
 * line naming the step: the oracle of docs/drop-in.md.
 */
export function caseDifferences(
  results: Record<Variant, StepResult[]>,
  variant: Exclude<Variant, 'baseline'>,
  order: OrderName,
): string[] {
  const slots: readonly string[] = ORDERS[order];
  const out: string[] = [];
  const primes = new Map<number, { ref: WireResponse; exp: Expectation }>();
  for (const [i, got] of results[variant].entries()) {
    const base = results.baseline[i]!;
    const reached =
      !got.spec.answeredByPositioned || slots.indexOf('mw') > slots.indexOf('snippet');
    let ref = base.response;
    let exp = UNCHANGED;
    if (variant !== 'disabled') {
      exp = expectationFor(got.spec, ref, reached);
      if (got.kind === 'prime') primes.set(got.index, { ref, exp });
      if (got.kind === 'conditional') {
        const prime = primes.get(got.index)!;
        // The client holds a copy unlike the one this server sends (the baseline's, or none):
        // it must get that page whole, as it would with no validator.
        const stale =
          got.spec.conditional!.from === 'baseline'
            ? prime.exp.changed
            : Object.keys(got.sent).length === 0 && Object.keys(base.sent).length > 0;
        if (stale) {
          ref = prime.ref;
          exp = prime.exp;
        } else if (ref.status === 304) {
          exp = { ...exp, changed: prime.exp.changed, addsPrivate: prime.exp.addsPrivate };
        }
      }
    }
    for (const line of differences(ref, got.response, exp)) out.push(`${label(got)}: ${line}`);
  }
  return out;
}
