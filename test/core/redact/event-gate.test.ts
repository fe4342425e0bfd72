import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventGate } from '../../../src/core/redact/event-gate.js';
import {
  REDACTED,
  redactArgv,
  redactEvent,
  redactText,
  redactUrl,
} from '../../../src/core/redact/redact.js';
import { createUrlRedaction } from '../../../src/core/redact/url-redaction.js';
import { HARMLESS_TEXTS, SECRET_ARGV, SECRET_FORMS } from '../../fixtures/secrets/secret-corpus.js';

/** A `scheme://` whose userinfo scan runs across a `&` or `#` to an `@` (see the test that uses it). */
const USERINFO_ACROSS_PAIRS = /:\/\/[^\s'"<>/]*[&#][^\s'"<>/]*@/;

describe('the redaction gate on one text', () => {
  it.each(SECRET_FORMS.map((f) => [f.name, f] as const))('redacts %s', (_, f) => {
    const out = redactText(f.text);
    expect(out).not.toContain(f.secret);
    expect(out).not.toMatch(/SEKRET/);
    expect(out).toContain(REDACTED);
    for (const kept of f.keep) expect(out).toContain(kept);
  });

  it.each(HARMLESS_TEXTS.map((t) => [t]))('keeps %s byte for byte', (text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe('the redaction gate on one URL', () => {
  it('reads a value to the next parameter or the fragment: quotes, `;` and `<>` are part of it', () => {
    expect(redactText("/reset?token='SEKRETq1;x&page=2")).toBe(`/reset?token=${REDACTED}&page=2`);
    expect(redactText('https://a.example/cb?code=<SEKRETq2>"#state=1')).toBe(
      `https://a.example/cb?code=${REDACTED}#state=1`,
    );
    expect(redactText("https://a.example/#access_token=SEKRETq3';x&y=1")).toBe(
      `https://a.example/#access_token=${REDACTED}&y=1`,
    );
    // In free text a `;`, a quote or a space still ends the value.
    expect(redactText('Password=SEKRETq4;Database=prod')).toBe(
      `Password=${REDACTED};Database=prod`,
    );
    expect(redactText("GET /x?token=SEKRETq5 'ok'")).toBe(`GET /x?token=${REDACTED} 'ok'`);
  });

  it('gives a URL what the URL rule gives, so a URL needs no redaction of its own before it is sent', () => {
    const names = ['token', 'code', 'password', 'api_key', 'sig', 'page', 'q', 'next', 'state'];
    const value = fc.stringMatching(/^[A-Za-z0-9;%'"<>!$*()~.,:@/+=-]{1,12}$/);
    const pairs = fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 4 });
    const join = (list: [string, string][]) => list.map(([n, v]) => `${n}=${v}`).join('&');
    const url = fc
      .tuple(
        fc.constantFrom('https://app.example/reset', '/a/b', 'http://h:8080/'),
        pairs,
        fc.option(pairs),
      )
      .map(
        ([base, query, fragment]) =>
          `${base}${query.length ? `?${join(query)}` : ''}${fragment ? `#${join(fragment)}` : ''}`,
      );
    fc.assert(
      fc.property(url, (u) => {
        // Not where a value holds `scheme://` and a later `@` follows before any `/`, before or
        // after the URL rule: there the gate reads userinfo across the `&` or `#` and redacts
        // more (the test below).
        fc.pre(!USERINFO_ACROSS_PAIRS.test(u) && !USERINFO_ACROSS_PAIRS.test(redactUrl(u)));
        expect(redactEvent({ u }).u).toBe(redactEvent({ u: redactUrl(u) }).u);
      }),
      { numRuns: 2000 },
    );
  });

  it('ends a header-like value inside a URL at the next parameter or the fragment, as a pair value ends', () => {
    expect(redactText('https://app.example/r?q="key:~#top')).toBe(
      `https://app.example/r?q="key:${REDACTED}#top`,
    );
    expect(redactText('https://app.example/r?q="authorization:abc&page=2')).toBe(
      `https://app.example/r?q="authorization:${REDACTED}&page=2`,
    );
    // In free text a header's value still runs to the end of the line.
    expect(redactText('Authorization: Bearer abc&def#x')).toBe(`Authorization: ${REDACTED}`);
  });

  it('redacts more, never less, where a value holds a scheme and a later pair an @', () => {
    // A password may hold `&` (`postgres://app:p&ss@db`), so the userinfo scan does not stop
    // at it; in a URL, the pairs between are redacted with it. Found by the property above.
    const u = 'https://app.example/reset#token=a://0&token=@';
    expect(USERINFO_ACROSS_PAIRS.test(u)).toBe(true);
    expect(redactEvent({ u }).u).toBe(`https://app.example/reset#token=${REDACTED}`);
    expect(redactUrl(u)).toBe(`https://app.example/reset#token=${REDACTED}&token=${REDACTED}`);
    const v = 'https://app.example/reset?token=a://:#token=@~';
    expect(USERINFO_ACROSS_PAIRS.test(v)).toBe(true);
    expect(redactEvent({ u: v }).u).toBe(`https://app.example/reset?token=${REDACTED}`);
    expect(redactText('postgres://app:p&ss@db/prod')).toBe(`postgres://${REDACTED}@db/prod`);
  });
});

describe('the redaction gate on command lines', () => {
  it.each(SECRET_ARGV.map((a) => [a.argv.join(' '), a] as const))('redacts %s', (_, a) => {
    const line = redactArgv(a.argv);
    expect(line).not.toContain(a.secret);
    expect(line).toContain(REDACTED);
    for (const kept of a.keep) expect(line).toContain(kept);
    // The same rules hold for an `argv` property of any event, as a line or as an array.
    const event = redactEvent({ properties: { argv: a.argv, line: { argv: a.argv.join(' ') } } });
    expect(JSON.stringify(event)).not.toContain(a.secret);
    // runCli's line (redacted, then cut) passes the gate unchanged.
    expect(redactEvent({ argv: line }).argv).toBe(line);
  });

  it('keeps `docker login <registry>` and other tools’ -a flags', () => {
    expect(redactArgv(['docker', 'login', 'registry.example.com'])).toBe(
      'docker login registry.example.com',
    );
    expect(redactArgv(['ls', '-a', 'src'])).toBe('ls -a src');
  });
});

describe('the redaction gate on events', () => {
  it('redacts strings at any depth, keys as well as values, and copies only what changed', () => {
    const page = 'https://app.example.com/reset?token=SEKRETk1&step=2';
    const harmless = { frames: [{ filename: 'https://app.example.com/app.js', lineno: 3 }] };
    const event = {
      event: '$exception',
      properties: {
        $exception_list: [{ value: 'GET http://u:SEKRETv1@h/ failed', stack: harmless }],
        $heatmap_data: { [page]: [{ x: 1, y: 2 }] },
        deep: { a: { b: { c: ['Bearer SEKRETd1abcdef'] } } },
        count: 3,
        when: new Date(0),
      },
    };
    const before = JSON.stringify(event);
    const out = redactEvent(event);
    const sent = JSON.stringify(out);
    expect(sent).not.toMatch(/SEKRET/);
    expect(Object.keys(out.properties.$heatmap_data)).toEqual([
      `https://app.example.com/reset?token=${REDACTED}&step=2`,
    ]);
    expect(out.properties.$exception_list[0]?.stack).toBe(harmless);
    expect(out.properties.count).toBe(3);
    expect(out.properties.when).toBe(event.properties.when);
    expect(JSON.stringify(event)).toBe(before);
  });

  it("keeps the project key posthog-js sends as each event's token, which ingestion needs", () => {
    // A project key as PostHog issues them: `phc_` and 43 characters.
    const key = `phc_${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7'.repeat(2).slice(0, 43)}`;
    const event = { event: '$pageview', properties: { token: key, $lib: 'web' } };
    expect(redactEvent(event)).toBe(event);
    // Only a project key, only in `token`: anything else there, or the key elsewhere, goes.
    const other = redactEvent({
      properties: { token: 'ghp_SEKRETabcdef123', note: `key ${key}`, $set: { token: key } },
    });
    expect(other.properties.token).toBe(REDACTED);
    expect(other.properties.note).toBe(`key ${REDACTED}`);
    expect(other.properties.$set.token).toBe(key);
  });

  it('gives a harmless event back as the same object', () => {
    const event = { event: 'x', properties: { texts: HARMLESS_TEXTS, n: 1, ok: true, none: null } };
    expect(redactEvent(event)).toBe(event);
  });

  it('drops what it cannot read, cycles and nesting past its depth, and never throws', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const hostile = {
      get boom(): string {
        throw new Error('SEKRET getter');
      },
      fine: 'ok',
    };
    let deep: unknown = 'https://x.example/?token=SEKRETdeep';
    for (let i = 0; i < 200; i += 1) deep = { d: deep };
    const out = redactEvent({ proxy, cyclic, hostile, deep, list: [proxy, 'kept'] });
    const sent = JSON.stringify(out);
    expect(sent).not.toMatch(/SEKRET/);
    expect(out.hostile).toEqual({ fine: 'ok' });
    expect(out.cyclic).toEqual({ name: 'loop' });
    expect(out.list).toEqual([null, 'kept']);
    expect(out).not.toHaveProperty('proxy');
  });

  it('redacts a 1 MB event within bounded work, and drops strings past its budget', () => {
    const gate = createEventGate(createUrlRedaction());
    const chunk = `${'lorem ipsum dolor sit amet '.repeat(36)}password=SEKRETbig `;
    const big = { properties: { lines: Array.from({ length: 1024 }, () => chunk) } };
    expect(JSON.stringify(big).length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const out = gate.redactEvent(big);
    // Generous: a loaded machine; the bench (docs/performance.md) has the real figure.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(JSON.stringify(out)).not.toMatch(/SEKRET/);
    expect(out.properties.lines).toHaveLength(1024);
    const huge = 'a'.repeat(gate.MAX_CHARS + 1);
    expect(gate.redactEvent({ huge, small: 'kept' })).toEqual({ small: 'kept' });
  });
});

/** Harmless words and names: nothing here is secret by name or by form. */
const word = fc.constantFrom(
  'page',
  'q',
  'sort',
  'cats',
  'orders',
  'lang',
  'en',
  '42',
  'new',
  'a-b',
);
const harmlessText = fc
  .array(fc.oneof(word, fc.constantFrom(' ', '/', '.', '-', ', ')), { maxLength: 8 })
  .map((parts) => parts.join(''));
const harmlessUrl = fc
  .tuple(fc.array(word, { maxLength: 3 }), fc.array(fc.tuple(word, word), { maxLength: 3 }))
  .map(
    ([path, query]) =>
      `https://app.example.com/${path.join('/')}${query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`,
  );
const encodings = (text: string): string[] => [
  text,
  encodeURIComponent(text),
  encodeURIComponent(encodeURIComponent(text)),
];
const harmlessString = fc.oneof(
  harmlessText,
  harmlessUrl,
  harmlessUrl.map((u) => `https://app.example.com/login?next=${encodeURIComponent(u)}`),
  harmlessUrl.chain((u) => fc.constantFrom(...encodings(u))),
);

/** A JSON-like value whose strings (keys too) come from `leaf`. */
function eventOf(leaf: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(leaf, tie('tree'), { maxKeys: 4 }),
    ),
  }));
  return fc.dictionary(leaf, tree, { minKeys: 1, maxKeys: 4 });
}

/** A secret of the corpus, planted raw, inside a harmless text, or in a nested URL encoded once or twice. */
const planted = fc
  .tuple(fc.constantFrom(...SECRET_FORMS), harmlessText, fc.integer({ min: 0, max: 4 }))
  .map(([f, around, how]) => {
    if (how === 0) return f.text;
    if (how === 1) return `${around} ${f.text} ${around}`;
    if (how === 2) return `https://app.example.com/go?next=${encodeURIComponent(f.text)}`;
    if (how === 3)
      return `https://app.example.com/go?next=${encodeURIComponent(encodeURIComponent(f.text))}`;
    return f.text;
  });

describe('the redaction gate, by property', () => {
  it('lets no planted secret of the corpus through, wherever it is put', () => {
    fc.assert(
      fc.property(eventOf(fc.oneof(harmlessString, planted)), (event) => {
        const sent = JSON.stringify(redactEvent(event));
        expect(sent).not.toMatch(/SEKRET/);
        expect(sent).not.toMatch(/U0VLUkVU|eyJzdWIiOiJTRUtSRVQ/);
      }),
      { numRuns: 300 },
    );
  });

  it('redacts the quoted value of a secret name however the pair is written, and keeps other names', () => {
    const separator = fc.constantFrom(':', ': ', ' : ', '=', ' = ', '\t=\t');
    const before = fc.constantFrom('', '  ', 'config:\n  ', '{ ', 'x, ', 'login failed: ');
    const quote = fc.constantFrom('"', "'");
    fc.assert(
      fc.property(
        before,
        fc.constantFrom('password', 'api_key', 'clientSecret', 'DB_PASS', 'auth_token', 'pwd'),
        separator,
        quote,
        fc.stringMatching(/^[A-Za-z0-9!#$%&()*+,./:;<=>?@^_`{|}~ -]{0,24}$/),
        (start, name, sep, q, rest) => {
          const text = `${start}${name}${sep}${q}SEKRET${rest}${q} tail`;
          const out = redactText(text);
          expect(out).not.toContain('SEKRET');
          expect(out).toContain(`${start}${name}${sep}${q}${REDACTED}${q}`);
          expect(out.endsWith(' tail')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        before,
        fc.constantFrom('title', 'label', 'page', 'sort', 'user', 'placeholder'),
        separator,
        quote,
        fc.stringMatching(/^[a-z0-9 ]{0,20}$/),
        (start, name, sep, q, value) => {
          const text = `${start}${name}${sep}${q}${value}${q} tail`;
          expect(redactText(text)).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('redacts the word after a secret flag in a message, but not a plain word or a placeholder', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Command failed: ', 'Command failed with exit code 1: ', 'spawn '),
        fc.constantFrom('--password', '--token', '--api-key', '--client-secret'),
        fc.stringMatching(/^[A-Za-z0-9!#$%&()*+,./:;=?@^_`|~-]{0,16}$/),
        (start, flag, rest) => {
          const out = redactText(`${start}tool ${flag} SEKRET${rest} --host db`);
          expect(out).not.toContain('SEKRET');
          expect(out).toBe(`${start}tool ${flag} ${REDACTED} --host db`);
        },
      ),
      { numRuns: 300 },
    );
    for (const text of ['Error: --password requires a value', 'usage: app --token <token>']) {
      expect(redactText(text)).toBe(text);
    }
  });

  it('gives a harmless event back byte for byte', () => {
    fc.assert(
      fc.property(eventOf(harmlessString), (event) => {
        expect(JSON.stringify(redactEvent(event))).toBe(JSON.stringify(event));
      }),
      { numRuns: 300 },
    );
  });
});
