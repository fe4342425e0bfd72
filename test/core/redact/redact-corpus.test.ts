import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSecretName,
  MAX_ARGV_CHARS,
  REDACTED,
  redactArgv,
  redactText,
  redactUrl,
} from '../../../src/core/redact/redact.js';
import { HARMLESS_LINES, SECRET_LINES } from '../../fixtures/cli/redaction-corpus.js';

describe('the redaction corpus', () => {
  it(`has at least 43 command lines carrying secrets (${SECRET_LINES.length})`, () => {
    expect(SECRET_LINES.length).toBeGreaterThanOrEqual(43);
  });

  it.each(SECRET_LINES.map((line) => [line.argv.join(' '), line] as const))(
    'redacts %s',
    (_, { argv, secrets, keep }) => {
      const out = redactArgv(argv);
      for (const secret of secrets) expect(out).not.toContain(secret);
      for (const word of keep) expect(out).toContain(word);
      expect(out).toContain(REDACTED);
    },
  );

  it.each(HARMLESS_LINES.map((argv) => [argv.join(' '), argv] as const))(
    'keeps %s as it is',
    (line, argv) => {
      expect(redactArgv(argv)).toBe(line);
    },
  );
});

describe('URL forms, through redactUrl and redactText alike', () => {
  it.each([
    ['redis://:S3cretPw@cache:6379/0', `redis://${REDACTED}@cache:6379/0`],
    ['https://ghp_tokenTok@github.com/org/r.git', `https://${REDACTED}@github.com/org/r.git`],
    ['postgres://app:p@ss@w0rd@db/prod', `postgres://${REDACTED}@db/prod`],
    ['https://user:pa/ss@host/x', `https://${REDACTED}@host/x`],
    ['https://k3y@o1.ingest.sentry.io/42', `https://${REDACTED}@o1.ingest.sentry.io/42`],
    ['https://x.io/cb?code=abc&state=s', `https://x.io/cb?code=${REDACTED}&state=s`],
    ['https://x.io/cb#id_token=abc&state=s', `https://x.io/cb#id_token=${REDACTED}&state=s`],
    ['/reset/glpat-abcdefghijklmnop', `/reset/${REDACTED}`],
    ['https://host:8080/@scope/pkg', 'https://host:8080/@scope/pkg'],
    ['https://app.example?email=a@b.example', 'https://app.example?email=a@b.example'],
    ['https://example.com/?zipcode=1&keyword=k', 'https://example.com/?zipcode=1&keyword=k'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactText(url)).toBe(expected);
  });
});

describe('NAME=value forms', () => {
  it.each([
    'DB_PASS',
    'DB_PASSWORD',
    'PGPASSWORD',
    'MYSQL_PWD',
    'REDISCLI_AUTH',
    'API_KEY',
    'OPENAI_API_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'GITHUB_TOKEN',
    'SENTRY_DSN',
    'SECRET_KEY_BASE',
    'JWT',
    'client_secret',
    'SESSION_COOKIE',
  ])('%s=value is redacted, as an argument and inside a text', (name) => {
    expect(redactArgv([`${name}=v4lue with spaces`])).toBe(`${name}=${REDACTED}`);
    expect(redactText(`env ${name}=v4lue ./run`)).toBe(`env ${name}=${REDACTED} ./run`);
  });

  it.each([
    'PORT',
    'LOG_LEVEL',
    'NODE_ENV',
    'TOKEN_FILE',
    'PASSWORD_FILE',
    'SECRET_NAME',
    'KEYBOARD',
    'MAX_TOKENS',
  ])('%s=value is kept', (name) => {
    expect(redactArgv([`${name}=v4lue`])).toBe(`${name}=v4lue`);
  });
});

/** Characters a password may be made of, `@`, `/`, `:` and `%` included. */
const secretChars = fc.stringMatching(/^[A-Za-z0-9@:/%+=!#$^*()_~.-]{8,24}$/);
/** A secret that a word-boundary rule cannot find inside a harmless word. */
const secret = secretChars.filter((s) => /[A-Za-z0-9]{3}/.test(s) && !/\s/.test(s));

describe('property: a secret in any supported form never reaches the line', () => {
  const forms: [string, (s: string) => string[]][] = [
    ['--password S', (s) => ['x', '--password', s]],
    ['--token=S', (s) => ['x', `--token=${s}`]],
    ['-p S', (s) => ['x', '-p', s]],
    ['-pS', (s) => ['x', `-p${s}`]],
    ['-u admin:S', (s) => ['x', '-u', `admin:${s}`]],
    ['Authorization header', (s) => ['x', '-H', `Authorization: Bearer ${s}`]],
    ['DB_PASS=S', (s) => ['x', `DB_PASS=${s}`]],
    ['sh -c "… --pass S"', (s) => ['sh', '-c', `tool --pass ${s} run`]],
  ];
  it.each(forms)('%s', (_, build) => {
    fc.assert(
      fc.property(secret, (s) => !redactArgv(build(s)).includes(s)),
      { numRuns: 200 },
    );
  });

  it('URL userinfo, user and password, whatever characters the password holds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('https', 'postgres', 'redis', 'mongodb+srv', 'amqps'),
        fc.stringMatching(/^[A-Za-z0-9._-]{0,10}$/),
        secret.filter((s) => !s.includes('/') && !s.includes('#') && !s.includes('?')),
        (scheme, user, password) => {
          const url = `${scheme}://${user}:${password}@db.example:5432/app`;
          const out = redactArgv(['migrate', url]);
          return !out.includes(password) && out.endsWith('@db.example:5432/app');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('property: the redactors on arbitrary input', () => {
  it('never throw, never exceed the argv cap, and never grow a URL without secrets', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 30 }), (argv) => {
        const out = redactArgv(argv);
        return out.length <= MAX_ARGV_CHARS;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const { searchParams, hash } = new URL(url);
        const names = [...searchParams.keys(), ...new URLSearchParams(hash.slice(1)).keys()];
        // A URL without a secret-named parameter comes back byte for byte.
        return names.some((name) => isSecretName(name)) || redactUrl(url) === url;
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom('token', 'api_key', 'code', 'password', 'X-Amz-Signature', 'sig'),
        fc.stringMatching(/^[A-Za-z0-9%._~-]{8,30}$/),
        fc.boolean(),
        (name, value, inFragment) => {
          const url = inFragment ? `/cb#x=1&${name}=${value}` : `/cb?page=2&${name}=${value}&x=1`;
          const out = redactUrl(url);
          return !out.includes(value) && out.includes(inFragment ? 'x=1' : 'page=2');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('are idempotent', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), (argv) => {
        const once = redactText(argv.join(' '));
        return redactText(once) === once;
      }),
      { numRuns: 300 },
    );
  });

  it('stay linear on a long hostile argument (1 MB in well under a second)', () => {
    const inputs = [
      `${'a:'.repeat(250_000)}@`,
      `${'https://'.repeat(60_000)}x`,
      'x='.repeat(250_000),
      'a '.repeat(250_000),
      ' authorization:'.repeat(30_000),
      'bearer '.repeat(70_000),
      // Token-shaped host labels, each of which asks where its URL's `//` is.
      `https://${'sk-aaaaaa.a '.repeat(85_000)}`,
      `https://${'sk-aaaaaa.b/'.repeat(85_000)}`,
      // Quoted values left open, labels before headers, secret flags one after another.
      'a:"'.repeat(330_000),
      'password="'.repeat(100_000),
      "token='".repeat(140_000),
      'password:\t"x\\"'.repeat(70_000),
      ' a: a:'.repeat(170_000),
      '--password '.repeat(90_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      redactArgv([input]);
      redactUrl(input);
      redactText(input);
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(1_500);
    }
  });

  it('one name rule for URLs and flags', () => {
    for (const name of ['pass', 'jwt', 'passphrase', 'code', 'sig']) {
      expect(isSecretName(name)).toBe(true);
      expect(isSecretName(`--${name}`)).toBe(true);
    }
  });
});
