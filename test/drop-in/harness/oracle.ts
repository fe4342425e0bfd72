import { headerMap, type WireResponse } from './wire.js';

/** The snippet's opening, as views/_posthog.njk writes it. */
export const SNIPPET_OPEN = Buffer.from('<script data-express-posthog');
const SCRIPT_CLOSE = Buffer.from('</script>');

/** Who the snippet must say is looking. */
export type ExpectedIdentity =
  | { readonly state: 'user'; readonly id: string; readonly email?: string }
  | { readonly state: 'anonymous' }
  /** `forbidden`: strings (the user's id, email) that must not appear in the snippet. */
  | { readonly state: 'withheld'; readonly forbidden: readonly string[] };

/** What one compared response may differ by, from docs/drop-in.md's named edits. */
export interface Expectation {
  /** Byte offset into the baseline body where exactly one snippet goes; undefined: no snippet. */
  readonly insertAt: number | undefined;
  /**
   * The representation changed: a snippet goes into this body, or into the body a HEAD or a
   * 304 stands for. Only then may `Content-Length`, `ETag` and `Last-Modified` change.
   */
  readonly changed: boolean;
  /** `Content-Length` must be dropped, not adjusted (HEAD: the GET length is not known). */
  readonly lengthUnknown: boolean;
  readonly identity: ExpectedIdentity | undefined;
  /** `Cache-Control: private` must be added (the identity goes into a response without one). */
  readonly addsPrivate: boolean;
  /** `Vary: Accept` may be appended (the request's `Accept` rules out a page). */
  readonly mayVaryAccept: boolean;
  /** The CSP nonce the snippet's tag must carry. */
  readonly nonce: string | undefined;
  /** The first decoded byte must arrive at least this many ms before the end (res.flush()). */
  readonly earlyBytesMs: number | undefined;
}

/** Values that are truly per-run: the only ones the oracle does not compare. */
function normalise(name: string, value: string): string {
  switch (name) {
    case 'date':
    case 'x-response-time':
    case 'ratelimit-reset':
    case 'x-ratelimit-reset':
    case 'retry-after':
      return '<per-run>';
    case 'ratelimit':
      return value.replace(/\breset=\d+/g, 'reset=<per-run>');
    default:
      return value;
  }
}

function normalisedHeaders(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = headerMap(rawHeaders);
  for (const [name, values] of map) {
    map.set(
      name,
      values.map((v) => normalise(name, v)),
    );
  }
  return map;
}

const show = (values: readonly string[] | undefined) =>
  values === undefined ? '(absent)' : JSON.stringify(values);

const same = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

function varyTokens(values: readonly string[] | undefined): string[] | undefined {
  return values
    ?.flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/** Where the snippet was found in `body`: every opening tag, and the first one's extent. */
export function findSnippets(body: Buffer): { starts: number[]; first?: Buffer } {
  const starts: number[] = [];
  for (let at = body.indexOf(SNIPPET_OPEN); at !== -1; at = body.indexOf(SNIPPET_OPEN, at + 1))
    starts.push(at);
  if (starts.length === 0) return { starts };
  const close = body.indexOf(SCRIPT_CLOSE, starts[0]);
  const end = close === -1 ? body.length : close + SCRIPT_CLOSE.length;
  return { starts, first: body.subarray(starts[0], end) };
}

function excerpt(body: Buffer, at: number): string {
  return JSON.stringify(body.subarray(Math.max(0, at - 20), at + 40).toString('latin1'));
}

/** The first byte offset where `a` and `b` differ, or undefined when they are equal. */
export function firstDifference(a: Buffer, b: Buffer): number | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? undefined : n;
}

function compareBody(ref: WireResponse, got: WireResponse, exp: Expectation): string[] {
  const out: string[] = [];
  const found = findSnippets(got.body);
  if (exp.insertAt === undefined) {
    if (found.starts.length > 0)
      out.push(
        `body: no snippet belongs here, found ${found.starts.length} at byte ${found.starts.join(', ')}`,
      );
    const at = firstDifference(ref.body, got.body);
    if (at !== undefined)
      out.push(
        `body differs from the baseline at byte ${at} (baseline ${ref.body.length} bytes ${excerpt(ref.body, at)}, got ${got.body.length} bytes ${excerpt(got.body, at)})`,
      );
    return out;
  }
  if (found.starts.length !== 1 || !found.first) {
    out.push(
      `body: expected exactly one snippet at byte ${exp.insertAt}, found ${found.starts.length}${found.starts.length ? ` at byte ${found.starts.join(', ')}` : ''} (baseline there: ${excerpt(ref.body, exp.insertAt)})`,
    );
    if (found.starts.length === 0) {
      const at = firstDifference(ref.body, got.body);
      if (at !== undefined)
        out.push(
          `body differs from the baseline at byte ${at} (baseline ${excerpt(ref.body, at)}, got ${excerpt(got.body, at)})`,
        );
      return out;
    }
  }
  const start = found.starts[0]!;
  const snippet = found.first!;
  if (start !== exp.insertAt)
    out.push(
      `body: snippet at byte ${start}, expected at byte ${exp.insertAt} (baseline there: ${excerpt(ref.body, exp.insertAt)})`,
    );
  const without = Buffer.concat([
    got.body.subarray(0, start),
    got.body.subarray(start + snippet.length),
  ]);
  const at = firstDifference(ref.body, without);
  if (at !== undefined)
    out.push(
      `body without the snippet differs from the baseline at byte ${at} (baseline ${excerpt(ref.body, at)}, got ${excerpt(without, at)})`,
    );
  out.push(...compareSnippet(snippet.toString('latin1'), exp));
  return out;
}

function compareSnippet(snippet: string, exp: Expectation): string[] {
  const out: string[] = [];
  const open = snippet.slice(0, snippet.indexOf('>') + 1);
  if (exp.nonce !== undefined && !open.includes(`nonce="${exp.nonce}"`))
    out.push(`snippet tag ${JSON.stringify(open)} does not carry the page's nonce ${exp.nonce}`);
  const identity = exp.identity;
  if (!identity) return out;
  // The boot tag carries the identity in its marker attribute; the inline snippet in its code.
  const attribute = /^<script data-express-posthog='([^']*)'/.exec(snippet)?.[1];
  const who =
    attribute !== undefined
      ? attribute.replace(/&#39;/g, "'").replace(/&amp;/g, '&')
      : /who = (\{.*?\});/.exec(snippet)?.[1];
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = who ? (JSON.parse(who) as Record<string, unknown>) : undefined;
  } catch {
    parsed = undefined;
  }
  if (identity.state === 'withheld') {
    for (const secret of identity.forbidden)
      if (snippet.includes(secret))
        out.push(`identity: the snippet of a shared-cacheable page carries ${secret}`);
  }
  if (parsed?.state !== identity.state)
    out.push(
      `identity: expected state ${identity.state}, the snippet says ${who ?? '(unreadable)'}`,
    );
  else if (identity.state === 'user' && parsed.id !== identity.id)
    out.push(`identity: expected user ${identity.id}, the snippet says ${who}`);
  return out;
}

function compareHeaders(ref: WireResponse, got: WireResponse, exp: Expectation): string[] {
  const out: string[] = [];
  const base = normalisedHeaders(ref.rawHeaders);
  const mine = normalisedHeaders(got.rawHeaders);
  const differ = (name: string, why = '') =>
    out.push(
      `header ${name}: baseline ${show(base.get(name))}, got ${show(mine.get(name))}${why ? ` (${why})` : ''}`,
    );
  const snippetLength = findSnippets(got.body).first?.length ?? 0;
  const lengthDropped = base.has('content-length') && !mine.has('content-length');
  for (const name of new Set([...base.keys(), ...mine.keys()])) {
    const b = base.get(name);
    const g = mine.get(name);
    if (got.status === 304 && ref.status === 304 && g === undefined && b !== undefined) {
      // A 304 the package answers itself (it held the request's conditionals so the app
      // rendered the page) carries no Content-* headers, as Express's and serve-static's own
      // 304s; so compression() adds no Vary to it either. docs/drop-in.md, "Named edits".
      if (name.startsWith('content-') && name !== 'content-location') continue;
    }
    if (got.status === 304 && ref.status === 304 && name === 'vary') {
      const gt = varyTokens(g) ?? [];
      if (gt.every((token) => varyTokens(b)?.includes(token))) continue;
    }
    if (
      !exp.changed ||
      !['content-length', 'etag', 'last-modified', 'transfer-encoding'].includes(name)
    ) {
      if (name === 'cache-control' && exp.addsPrivate) {
        if (b !== undefined || !same(g, ['private']))
          differ(name, 'the identity went in: expected Cache-Control: private added');
        continue;
      }
      if (name === 'vary' && exp.mayVaryAccept) {
        // A Vary list is a set (RFC 9110): where Accept lands in it carries no meaning.
        const bt = [...new Set(varyTokens(b))].sort();
        const gt = [...new Set(varyTokens(g))].sort();
        const ok = same(bt, gt) || same([...new Set([...bt, 'accept'])].sort(), gt);
        if (!ok) differ(name, 'only Accept may be added');
        continue;
      }
      if (!same(b, g))
        differ(
          name,
          exp.changed || name !== 'etag' ? '' : 'the body is unchanged: validators must be',
        );
      continue;
    }
    // The representation changed: the named edits.
    if (name === 'content-length') {
      if (g === undefined) continue;
      const want = exp.lengthUnknown ? undefined : b && [String(Number(b[0]) + snippetLength)];
      if (!same(g, want))
        differ(
          name,
          exp.lengthUnknown
            ? 'the length is not known: drop it'
            : `expected the baseline's plus the snippet's ${snippetLength} bytes, or dropped`,
        );
    } else if (name === 'transfer-encoding') {
      if (!same(b, g) && !(lengthDropped && b === undefined && same(g, ['chunked'])))
        differ(name, 'chunked only where Content-Length was dropped');
    } else if (name === 'etag') {
      if (g === undefined) continue;
      const weak = (tag: string | undefined) => tag?.startsWith('W/');
      if (b === undefined || g.length !== 1 || g[0] === b[0] || weak(g[0]) !== weak(b[0]))
        differ(name, 'the body changed: the ETag must change (weakness kept) or go');
    } else if (name === 'last-modified') {
      if (g !== undefined) differ(name, 'the body changed: Last-Modified must go');
    }
  }
  if (exp.addsPrivate && !mine.has('cache-control') && !base.has('cache-control'))
    differ('cache-control', 'the identity went in: expected Cache-Control: private added');
  return out;
}

/**
 * Every difference between a response of the app with the package (`got`) and the one of the
 * same app without it (`ref`), beyond the edits `exp` allows; empty when there is none.
 */
export function differences(ref: WireResponse, got: WireResponse, exp: Expectation): string[] {
  const out: string[] = [];
  if (ref.status !== got.status) out.push(`status: baseline ${ref.status}, got ${got.status}`);
  out.push(...compareHeaders(ref, got, exp));
  out.push(...compareBody(ref, got, exp));
  if (exp.earlyBytesMs !== undefined) {
    const lead = (r: WireResponse) => r.endMs - (r.firstContentMs ?? r.endMs);
    if (lead(ref) >= exp.earlyBytesMs && lead(got) < exp.earlyBytesMs)
      out.push(
        `timing: res.flush() was held: the first byte came ${Math.round(lead(got))} ms before the end (baseline ${Math.round(lead(ref))} ms)`,
      );
  }
  return out;
}
