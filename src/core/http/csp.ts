/**
 * Whether a page's Content-Security-Policy lets the snippet, posthog-js and its requests run
 * (docs/observability.md, "Content-Security-Policy"). Pure: a policy string and what the
 * snippet needs in, the directives that would block it and the sources to add out.
 */

/** A source the snippet needs: the page's own origin, or another origin. */
export type NeededSource =
  | { readonly kind: 'self' }
  | { readonly kind: 'origin'; readonly origin: string };

/** What the snippet needs of a page's policy. */
export interface SnippetNeeds {
  /** Scripts loaded from a URL (the boot script, posthog-js, its remote config). */
  readonly scripts: readonly NeededSource[];
  /** The snippet is an inline script (inline delivery). */
  readonly inline: boolean;
  /** Where posthog-js sends events, flags and replay. */
  readonly connect: readonly NeededSource[];
}

/** One thing a policy blocks, and the fix. */
export interface CspProblem {
  /**
   * The directive to add the source to: the one that decides (`script-src-elem`,
   * `script-src`, `connect-src`), or the one to create when `default-src` decides now.
   */
  readonly directive: string;
  /** `default-src` when it decides today (the new directive must repeat its sources). */
  readonly fallsBackTo?: string;
  /** The source to add to it (`'self'`, `https://eu.i.posthog.com`, `'nonce-…'`). */
  readonly source: string;
  /** What it blocks, for the message. */
  readonly blocks: string;
}

/** The origin of an absolute `http(s)` URL, or `undefined` for a relative one (the page's own). */
export function originOf(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The source a URL needs: `'self'` for a path on the app, its origin otherwise. */
export function sourceFor(url: string): NeededSource {
  const origin = originOf(url);
  return origin === undefined ? { kind: 'self' } : { kind: 'origin', origin };
}

/**
 * What the snippet needs of a page's policy, from where its parts come from.
 * @param where the boot script's URL (boot delivery), posthog-js's URL, posthog-js's
 * `api_host`, and where it loads its remote config from (the assets host, or the `api_host` of
 * a proxy).
 * @example
 * snippetNeeds({ bootUrl: '/_posthog/boot.x.js', src: 'https://eu-assets.i.posthog.com/static/array.js',
 *   apiHost: 'https://eu.i.posthog.com', configHost: 'https://eu-assets.i.posthog.com' });
 */
export function snippetNeeds(where: {
  readonly bootUrl: string | undefined;
  readonly src: string;
  readonly apiHost: string;
  readonly configHost: string;
}): SnippetNeeds {
  return {
    scripts: [
      ...(where.bootUrl !== undefined ? [sourceFor(where.bootUrl)] : []),
      sourceFor(where.src),
      sourceFor(where.configHost),
    ],
    inline: where.bootUrl === undefined,
    connect: [sourceFor(where.apiHost)],
  };
}

/** The directives of a policy, names lowercased, first occurrence winning (as browsers do). */
function parsePolicy(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    const key = name.toLowerCase();
    if (!directives.has(key)) directives.set(key, sources);
  }
  return directives;
}

/** The directive that governs `wanted`, by CSP's fallback order; `undefined`: nothing restricts. */
function governing(directives: Map<string, string[]>, fallbacks: readonly string[]) {
  for (const name of fallbacks) {
    const sources = directives.get(name);
    if (sources === undefined) continue;
    // A fix never widens default-src: it names the specific directive to create.
    const edit = name === 'default-src' ? (fallbacks[fallbacks.length - 2] as string) : name;
    return { name, sources, edit, fallsBackTo: name === 'default-src' ? name : undefined };
  }
  return undefined;
}

/** The directive to edit, and the fallback it would replace. */
function where(rule: { edit: string; fallsBackTo: string | undefined }) {
  return rule.fallsBackTo
    ? { directive: rule.edit, fallsBackTo: rule.fallsBackTo }
    : { directive: rule.edit };
}

/** `https://*.example.com:443`-style host source matched against an origin. */
function hostSourceMatches(source: string, origin: URL): boolean {
  const match = /^(?:([a-z][a-z\d+.-]*):\/\/)?(\*|(?:\*\.)?[^:/]+)(?::(\d+|\*))?(?:\/.*)?$/i.exec(
    source,
  );
  if (!match) return false;
  const [, scheme, host = '', port] = match;
  const originScheme = origin.protocol.slice(0, -1);
  if (scheme !== undefined && scheme.toLowerCase() !== originScheme) {
    // An http: source also allows https: (the secure upgrade).
    if (!(scheme.toLowerCase() === 'http' && originScheme === 'https')) return false;
  }
  if (scheme === undefined && originScheme !== 'https' && originScheme !== 'http') return false;
  const hostname = origin.hostname.toLowerCase();
  const wanted = host.toLowerCase();
  if (wanted === '*') return true;
  const hostOk = wanted.startsWith('*.') ? hostname.endsWith(wanted.slice(1)) : hostname === wanted;
  if (!hostOk) return false;
  if (port === '*' || port === undefined) {
    return port === '*' || origin.port === '' || scheme === undefined;
  }
  const originPort = origin.port || (originScheme === 'https' ? '443' : '80');
  return port === originPort;
}

/** True when `sources` allow loading from `needed`. */
function allows(sources: readonly string[], needed: NeededSource): boolean {
  const lower = sources.map((s) => s.toLowerCase());
  if (needed.kind === 'self') return lower.includes("'self'") || lower.includes('*');
  const origin = new URL(needed.origin);
  return lower.some((source) => {
    if (source === `${origin.protocol}`) return true; // a scheme source such as https:
    if (source.startsWith("'")) return false;
    return hostSourceMatches(source, origin);
  });
}

/** True when `sources` run an inline script carrying `nonce` (or any inline script). */
function allowsInline(sources: readonly string[], nonce: string | undefined): boolean {
  const hasNonceOrHash = sources.some((s) => /^'(?:nonce|sha256|sha384|sha512)-/i.test(s));
  if (nonce !== undefined && sources.includes(`'nonce-${nonce}'`)) return true;
  return !hasNonceOrHash && sources.some((s) => s.toLowerCase() === "'unsafe-inline'");
}

function show(source: NeededSource): string {
  return source.kind === 'self' ? "'self'" : source.origin;
}

/**
 * What `policy` blocks of the snippet's `needs`, each with the directive that decides and the
 * source to add. Empty when the snippet runs, loads posthog-js and reaches PostHog.
 * @param policy a `Content-Security-Policy` header value (not `-Report-Only`).
 * @param needs what the snippet needs (see {@link SnippetNeeds}).
 * @param nonce the nonce the snippet's tag carries, if any.
 * @example
 * cspProblems("script-src 'self'", { scripts: [{ kind: 'origin', origin: 'https://eu-assets.i.posthog.com' }], inline: false, connect: [] });
 * // [{ directive: 'script-src', source: 'https://eu-assets.i.posthog.com', blocks: 'posthog-js and its scripts' }]
 */
export function cspProblems(policy: string, needs: SnippetNeeds, nonce?: string): CspProblem[] {
  const directives = parsePolicy(policy);
  const problems: CspProblem[] = [];
  const script = governing(directives, ['script-src-elem', 'script-src', 'default-src']);
  // Without script-src-elem, the fix goes into script-src, which governs both.
  if (script) {
    if (needs.inline && !allowsInline(script.sources, nonce)) {
      problems.push({
        ...where(script),
        source: "'nonce-…' (pass the nonce: res.locals.cspNonce)",
        blocks: 'the inline snippet',
      });
    }
    const nonced = nonce !== undefined && script.sources.includes(`'nonce-${nonce}'`);
    // 'strict-dynamic' ignores host sources and trusts what a nonced script loads.
    const strict = script.sources.some((s) => s.toLowerCase() === "'strict-dynamic'");
    if (strict && !nonced && !needs.inline) {
      problems.push({
        ...where(script),
        source: "'nonce-…' (pass the nonce: res.locals.cspNonce)",
        blocks: 'the snippet’s scripts',
      });
    }
    for (const needed of strict ? [] : needs.scripts) {
      if (!allows(script.sources, needed)) {
        problems.push({
          ...where(script),
          source: show(needed),
          blocks: 'the snippet’s scripts',
        });
      }
    }
  }
  const connect = governing(directives, ['connect-src', 'default-src']);
  if (connect) {
    for (const needed of needs.connect) {
      if (!allows(connect.sources, needed)) {
        problems.push({
          ...where(connect),
          source: show(needed),
          blocks: 'posthog-js’s requests',
        });
      }
    }
  }
  return dedupe(problems);
}

function dedupe(problems: CspProblem[]): CspProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.directive} ${p.source}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * True when `policy` runs no script at all (`script-src 'none'`, or `default-src 'none'` with
 * no script directive), as the error pages of Express's `finalhandler` say: no snippet can run
 * there, so the page is left alone and nothing is reported.
 * @example
 * runsNoScript("default-src 'none'"); // true
 */
export function runsNoScript(policy: string): boolean {
  const script = governing(parsePolicy(policy), ['script-src-elem', 'script-src', 'default-src']);
  return (
    script !== undefined &&
    script.sources.length === 1 &&
    script.sources[0]?.toLowerCase() === "'none'"
  );
}

/**
 * The fix for one problem, as a sentence part: `add X to script-src (it blocks …)`, or, where
 * `default-src` decides today, `set connect-src to default-src's sources and X (…)`.
 * @example
 * describeFix({ directive: 'script-src', source: "'self'", blocks: 'the snippet’s scripts' });
 * // "add 'self' to script-src (it blocks the snippet’s scripts)"
 */
export function describeFix(problem: CspProblem): string {
  return problem.fallsBackTo
    ? `set ${problem.directive} to ${problem.fallsBackTo}'s sources and ${problem.source} (it blocks ${problem.blocks})`
    : `add ${problem.source} to ${problem.directive} (it blocks ${problem.blocks})`;
}

/** A policy with its nonces blanked, so that one page's policy is checked once, not per request. */
export function policyShape(policy: string): string {
  return policy.replace(/'nonce-[^']*'/gi, "'nonce-*'");
}
