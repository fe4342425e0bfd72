import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSecretName,
  REDACTED,
  redactEvent,
  redactText,
  redactUrl,
} from '../../../src/core/redact/redact.js';

describe('isSecretName', () => {
  it.each([
    'token',
    'access_token',
    'accessToken',
    'ACCESSTOKEN',
    'refresh-token',
    'key',
    'api_key',
    'apiKey',
    'X-API-KEY',
    'secret',
    'client_secret',
    'password',
    'new_password',
    'passwd',
    'pwd',
    'code',
    'auth',
    'authorization',
    'Auth_Header',
    'X-Amz-Signature',
    'credentials',
    'jwt',
    'api%5Fkey',
    'pass',
    'DB_PASS',
    'PGPASSWORD',
    'SECRET_KEY_BASE',
    '--passphrase',
  ])('treats %s as secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'page',
    'q',
    'sort',
    'user',
    'state',
    'redirect',
    'lang',
    'id',
    'keyword',
    'zipcode',
    'author',
    'monkey',
    'max_tokens',
    '--token-file',
    'token_type',
  ])('leaves %s alone', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  it('gives a name the same answer read again, after a thousand other names, and when too long to remember', () => {
    const long = `${'a'.repeat(80)}_token`;
    const names = ['access_token', 'page', 'DB_PASS', 'token_type', long, `${'b'.repeat(80)}_id`];
    const first = names.map((name) => isSecretName(name));
    expect(first).toEqual([true, false, true, false, true, false]);
    expect(names.map((name) => isSecretName(name))).toEqual(first);
    for (let i = 0; i < 1000; i += 1) isSecretName(i % 2 ? `x${i}_secret` : `x${i}`);
    expect(names.map((name) => isSecretName(name))).toEqual(first);
  });
});

describe('redactUrl', () => {
  it('replaces the values of secret-looking parameters, case-insensitively', () => {
    expect(redactUrl('/cb?code=abc&state=xyz&API_KEY=k1&Access_Token=t&page=2')).toBe(
      `/cb?code=${REDACTED}&state=xyz&API_KEY=${REDACTED}&Access_Token=${REDACTED}&page=2`,
    );
  });

  it('returns a URL without a query, or without secrets, unchanged', () => {
    for (const url of ['/', '/orders/7', '/search?q=shoes&page=2', '', '?']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('keeps names, order, other values and their encoding byte for byte', () => {
    expect(redactUrl('/s?q=caf%C3%A9+au+lait&token=a%20b&x=%ZZ&flag&=v&&last=')).toBe(
      `/s?q=caf%C3%A9+au+lait&token=${REDACTED}&x=%ZZ&flag&=v&&last=`,
    );
  });

  it('redacts every occurrence of a repeated or bracketed name', () => {
    expect(redactUrl('/x?token=1&token=2&auth[user]=u&secret%5B%5D=s')).toBe(
      `/x?token=${REDACTED}&token=${REDACTED}&auth[user]=${REDACTED}&secret%5B%5D=${REDACTED}`,
    );
  });

  it('keeps a secret-looking name without a value as it is', () => {
    expect(redactUrl('/x?token&debug')).toBe('/x?token&debug');
  });

  it('redacts a value that holds "=" and "?" whole', () => {
    expect(redactUrl('/x?key=a=b?c&n=1')).toBe(`/x?key=${REDACTED}&n=1`);
  });

  it('works on absolute URLs, their whole userinfo and a query-like fragment', () => {
    expect(redactUrl('https://bob:hunter2@example.com/cb?password=p#access_token=t&x=1')).toBe(
      `https://${REDACTED}@example.com/cb?password=${REDACTED}#access_token=${REDACTED}&x=1`,
    );
    expect(redactUrl('https://example.com/docs#section-2')).toBe(
      'https://example.com/docs#section-2',
    );
  });

  it('keeps a host name that a token format matches by chance, and still redacts that token anywhere else', () => {
    // sk-gaming.com is a real site: every page URL of it used to read https://[redacted].com/.
    for (const url of [
      'https://sk-gaming.com/team?page=2',
      'https://www.sk-gaming.com/',
      'https://hvs.example.com/x',
      '//sk-gaming.com/x',
      'https://pypi-0-sk-a0-aaa.com',
    ]) {
      expect(redactUrl(url)).toBe(url);
      expect(redactText(url)).toBe(url);
    }
    expect(redactUrl('https://u:pw@sk-gaming.com/')).toBe(`https://${REDACTED}@sk-gaming.com/`);
    // A `?` before the colon ends the host: this is a query, not a password holding `/`.
    expect(redactUrl('http://a.aa?:a/@')).toBe('http://a.aa?:a/@');
    expect(redactText('postgres://app:p?ss/word@db')).toBe(`postgres://${REDACTED}@db`);
    const token = 'sk-abcdef123456';
    for (const [text, redacted] of [
      [`key ${token}.`, `key ${REDACTED}.`],
      [`https://x.com/key/${token}/chat`, `https://x.com/key/${REDACTED}/chat`],
      [`https://x.com/?k=${token}.`, `https://x.com/?k=${REDACTED}.`],
      [`https://${token}/x`, `https://${REDACTED}/x`],
      [`a//${token}.com`, `a//${REDACTED}.com`],
      [`https://x.com/a//${token}.txt`, `https://x.com/a//${REDACTED}.txt`],
    ] as const) {
      expect(redactText(text)).toBe(redacted);
    }
  });

  it('gives back every URL whose host labels look like tokens, when nothing else in it is secret', () => {
    const prefix = fc.constantFrom('sk-', 'sk-proj-', 'hvs.', 'xoxb-', 'pypi-', 'glpat-', 'ya29.');
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{5,20}[a-z0-9]$/);
    const url = fc
      .tuple(
        fc.constantFrom('https://', 'http://', '//', 'https://www.'),
        prefix,
        label,
        fc.constantFrom('.com', '.example.org', '.co.uk:8443'),
        fc.constantFrom('', '/', '/a/b?page=2', '/?q=x#top'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(url, (u) => {
        expect(redactUrl(u)).toBe(u);
        expect(redactEvent({ u }).u).toBe(u);
      }),
      { numRuns: 500 },
    );
  });
});
