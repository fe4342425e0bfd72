import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redactUrl } from '../../../src/core/redact/redact.js';

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
});
