/**
 * Redaction of secret-looking values in URLs (SPEC §6) — pure, no Express.
 * `runCli` (SPEC §10) can reuse {@link isSecretName} for `--token=…` style
 * arguments.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Words that make a parameter name secret-looking, matched anywhere in the
 * name, case-insensitively: `token`, `key`, `secret`, `password`, `code`,
 * `auth…` (SPEC §6), plus `passwd`, `pwd`, `signature`, `credential` and
 * `jwt`. A substring match, so `api_key`, `apiKey`, `access_token`,
 * `accesstoken`, `X-Amz-Signature` and `authorization` all count. It errs on
 * the side of redacting: `keyword`, `zipcode` and `author` are redacted too.
 */
const SECRET_NAME = /token|key|secret|passw(?:or)?d|pwd|code|auth|signature|credential|jwt/i;

/** The password of `scheme://user:password@host`. */
const USERINFO_PASSWORD = /^([a-z][a-z\d+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i;

/** Decodes a query-string name (`+` is a space); an invalid escape keeps the raw text. */
function decodeName(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * True when a parameter (or argument) name looks like it holds a secret.
 *
 * @param name - the name, decoded or not (`api%5Fkey` counts too).
 * @example
 * isSecretName('access_token'); // true
 * isSecretName('page'); // false
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || SECRET_NAME.test(decodeName(name));
}

/** Redacts the values of secret-looking names in `a=1&b=2`; other bytes are kept as they are. */
function redactParams(params: string): string {
  return params
    .split('&')
    .map(function redactParam(pair) {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const name = pair.slice(0, equals);
      return isSecretName(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * The URL with the values of secret-looking query parameters (see
 * {@link isSecretName}) replaced by `[REDACTED]`. Works on a path with a
 * query (`req.originalUrl`) as well as on an absolute URL; names, order,
 * other values and their encoding are kept byte for byte. A fragment written
 * like a query (`#access_token=…`, OAuth's implicit flow) is redacted the
 * same way, and so is the password of `https://user:password@host/`.
 *
 * @param url - `/path?query#fragment` or an absolute URL.
 * @returns the redacted URL; the input itself when nothing looked secret.
 * @example
 * redactUrl('/callback?code=abc&state=xyz&api_key=k');
 * // → '/callback?code=[REDACTED]&state=xyz&api_key=[REDACTED]'
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = (hash === -1 ? url : url.slice(0, hash)).replace(
    USERINFO_PASSWORD,
    `$1${REDACTED}@`,
  );
  const fragment = hash === -1 ? undefined : url.slice(hash + 1);
  const question = beforeHash.indexOf('?');
  let result =
    question === -1
      ? beforeHash
      : `${beforeHash.slice(0, question + 1)}${redactParams(beforeHash.slice(question + 1))}`;
  if (fragment !== undefined) {
    result += `#${fragment.includes('=') ? redactParams(fragment) : fragment}`;
  }
  return result;
}
