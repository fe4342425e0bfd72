/**
 * Redaction of secret-looking values in URLs, as one self-contained function: it refers to
 * nothing outside its body, so the browser snippet runs the very same code (its source is put
 * into the boot script) and the browser and the server redact a URL alike. The rules are listed
 * in docs/observability.md ("What is redacted").
 */

/** What {@link createUrlRedaction} gives. */
export interface UrlRedaction {
  readonly REDACTED: string;
  isSecretName(name: string): boolean;
  redactUserinfo(text: string): string;
  redactTokenValues(text: string): string;
}

/**
 * Builds the URL redaction functions. Self-contained on purpose (see the module comment):
 * keep every constant and helper inside.
 * @example
 * createUrlRedaction().redactTokenValues('key ghp_abcdef123'); // 'key [redacted]'
 */
export function createUrlRedaction(): UrlRedaction {
  const REDACTED = '[redacted]';

  /**
   * One word of a name that announces a secret: `token` and `…token`
   * (`accesstoken`), `secret`, `password`, `passwd`, `passphrase`,
   * `credential(s)`, `key` and the common `…key` compounds (`apikey`,
   * `privatekey`; not `monkey`), `auth`, `authorization`, `pass`, `pwd`, `pw`,
   * `code`, `otp`, `pin`, `passcode`, `hmac`, `jwt`, `cookie`, `session`, `sid`, `…sessionid`
   * (`jsessionid`), `…sessid` (`phpsessid`), `samlresponse`, `signature`, `sig`, `dsn`,
   * `bearer`, `verifier`, `ticket`, `pat`.
   */
  const SECRET_WORD =
    /^(?:[a-z]*(?:token|secret|password|passwd|passphrase|credentials?)|(?:api|access|secret|private|master|auth|account|client|app|signing|encryption|license|session|storage|consumer|subscription|ssh)?key|auth|authorization|oauth|pass|pwd|pw|code|otp|totp|pin|hmac|jwt|cookie|session|[a-z]*sessionid|[a-z]*sessid|passcode|samlresponse|sid|signature|sig|dsn|bearer|verifier|ticket|pat)$/;

  /**
   * A last word that makes the name about a secret rather than the secret
   * itself: `--token-file path`, `--secret-name x`, `token_type=bearer`,
   * `--code-dir src`, `--auth-url https://…`.
   */
  const HARMLESS_LAST_WORD = new Set(
    'file files path dir directory folder name names type url uri endpoint host length len count size limit max min ttl timeout expiry expires expiration env format algorithm alg mode policy hint version provider source location'.split(
      ' ',
    ),
  );

  /** Decodes a query-string name (`+` is a space); an invalid escape keeps the raw text. */
  function decodeName(raw: string): string {
    const spaced = raw.replace(/\+/g, ' ');
    try {
      return decodeURIComponent(spaced);
    } catch {
      return spaced;
    }
  }

  /** `X-Api-Key` → `['x', 'api', 'key']`; `accessToken` → `['access', 'token']`. */
  function wordsOf(name: string): string[] {
    return name
      .replace(/([a-z\d])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z\d]+/)
      .filter((word) => word !== '');
  }

  /**
   * What {@link isSecretName} said of the names read lately: the same few names (`page`, `id`,
   * `token`) come back in every URL and message, and splitting one into words costs more than
   * the rest of a pair's redaction. Bounded: emptied when full; long names are not kept.
   */
  const NAMES_READ = new Map<string, boolean>();
  const MAX_NAMES_READ = 512;
  const MAX_NAME_REMEMBERED = 64;

  /**
   * True when a parameter, variable, flag or header name announces a secret:
   * one of its words (split at `-`, `_`, `.`, brackets and camelCase) is a
   * secret word, and its last word does not make it about the secret (`file`,
   * `path`, `name`, `type`, `url`…). Leading dashes are ignored.
   *
   * @param name - the name, decoded or not (`api%5Fkey` counts too).
   * @example
   * isSecretName('access_token'); // true
   * isSecretName('DB_PASS'); // true
   * isSecretName('--token-file'); // false
   * isSecretName('page'); // false
   */
  function isSecretName(name: string): boolean {
    const known = NAMES_READ.get(name);
    if (known !== undefined) return known;
    const secret = readName(name);
    if (NAMES_READ.size >= MAX_NAMES_READ) NAMES_READ.clear();
    if (name.length <= MAX_NAME_REMEMBERED) NAMES_READ.set(name, secret);
    return secret;
  }

  /** {@link isSecretName}, read afresh. */
  function readName(name: string): boolean {
    const words = wordsOf(decodeName(name.replace(/^-+/, '')));
    const last = words[words.length - 1];
    if (last === undefined) return false;
    if (words.length > 1 && HARMLESS_LAST_WORD.has(last)) return false;
    return words.some((word) => SECRET_WORD.test(word));
  }

  /**
   * Values that are secrets whatever their name: PostHog keys, OpenAI and
   * Anthropic keys, Stripe, GitHub, GitLab, Slack, AWS, Google, npm, PyPI,
   * Hugging Face, Shopify, DigitalOcean, SendGrid and Sentry tokens, JWTs.
   * The token (group 2) starts a word: group 1 is the start or the character
   * before it, matched rather than looked behind, because browsers without
   * lookbehind (Safari before 16.4) run this code too.
   */
  const TOKEN_VALUE = new RegExp(
    // Joined with +, not a template: compiled for the boot script's browsers, a template is longer.
    '(^|[^A-Za-z0-9])(?:' +
      [
        'ph[csx]_[A-Za-z0-9_-]{6,}',
        'sk-[A-Za-z0-9_-]{6,}',
        '[sr]k_(?:live|test)_[A-Za-z0-9]{6,}',
        'whsec_[A-Za-z0-9]{6,}',
        'gh[pousr]_[A-Za-z0-9]{6,}',
        'github_pat_[A-Za-z0-9_]{6,}',
        'gl(?:pat|dt|ptt|rt|soat|cbt|imt|agent|oas)-[A-Za-z0-9_-]{6,}',
        'xox[abposre]-[A-Za-z0-9-]{6,}',
        'xapp-[A-Za-z0-9-]{6,}',
        '(?:AKIA|ASIA)[A-Z0-9]{12,}',
        'AIza[A-Za-z0-9_-]{20,}',
        'ya29\\.[A-Za-z0-9_-]{6,}',
        'npm_[A-Za-z0-9]{30,}',
        'pypi-[A-Za-z0-9_-]{16,}',
        'hf_[A-Za-z0-9]{16,}',
        'shp(?:at|ss|ca|pa)_[A-Fa-f0-9]{16,}',
        'do[por]_v1_[a-f0-9]{16,}',
        'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}',
        'sntr[ysu]s?_[A-Za-z0-9_=+/-]{16,}',
        'dckr_pat_[A-Za-z0-9_-]{16,}',
        'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*',
        'hv[sbr]\\.[A-Za-z0-9_-]{6,}',
      ].join('|') +
      ')',
    'g',
  );

  /** A PEM or PGP private key, to its end line or the end of the text. */
  const PRIVATE_KEY_BLOCK =
    /-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY\1-----|$)/g;

  /** `Authorization: …`, `X-Api-Key: …`, `Cookie: …`: a header (or `name: value`) whose name is secret. */
  /** A URL's authority: from after `scheme://` to the path, the end of the word, or a quote. */
  const AUTHORITY = /[^\s'"<>/]*/y;

  /** How far past a `/` a password with a slash may run to its `@`. */
  const MAX_PASSWORD_TAIL = 256;

  /** `scheme://`, where a URL's userinfo may follow. */
  const SCHEME = /\b[a-z][a-z\d+.-]*:\/\//gi;

  /**
   * Where the userinfo of the URL whose authority starts at `start` ends (the
   * index of its `@`), or -1. The userinfo runs to the last `@` before the
   * path, so a password holding `@` goes whole (`postgres://app:p@ss@db`); a
   * password holding `/` too, when the text before the `/` cannot be a port.
   */
  function userinfoEnd(text: string, start: number): number {
    // Each scan stops at the first `/`, so a text of many URLs stays linear.
    AUTHORITY.lastIndex = start;
    const found = AUTHORITY.exec(text);
    const authority = found === null ? '' : found[0];
    const at = authority.lastIndexOf('@');
    if (at > 0) {
      const info = authority.slice(0, at);
      const query = info.search(/[?#]/);
      // `https://host?email=a@b` is a query, not userinfo.
      if (query === -1 || info.slice(0, query).includes(':')) return start + at;
      return -1;
    }
    const colon = authority.indexOf(':');
    const slash = start + authority.length;
    // As above, `http://host?:x/@` is a query: a `?` or `#` before the colon ends the host.
    if (
      text[slash] === '/' &&
      colon !== -1 &&
      authority.slice(0, colon).search(/[?#]/) === -1 &&
      !/^\d*$/.test(authority.slice(colon + 1))
    ) {
      const tail = /^[^\s'"<>@]*@/.exec(text.slice(slash, slash + MAX_PASSWORD_TAIL));
      if (tail) return slash + tail[0].length - 1;
    }
    return -1;
  }

  /**
   * Replaces the userinfo of every URL in `text` (`scheme://user:pass@host`,
   * `redis://:pass@host`, `https://token@host`, a Sentry DSN) by `[redacted]`:
   * user and password both, since a lone user name is often a token.
   *
   * @example
   * redactUserinfo('postgres://app:p@ssS@db/prod'); // 'postgres://[redacted]@db/prod'
   */
  function redactUserinfo(text: string): string {
    let out = '';
    let copied = 0;
    // An `exec` loop rather than `matchAll`, which Safari has only from 13.
    SCHEME.lastIndex = 0;
    let match = SCHEME.exec(text);
    while (match !== null) {
      const start = match.index + match[0].length;
      const end = start < copied ? -1 : userinfoEnd(text, start);
      if (end !== -1) {
        out += text.slice(copied, start) + REDACTED;
        copied = end;
      }
      match = SCHEME.exec(text);
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /**
   * The token of a webhook URL, which is the whole credential: Slack
   * (`hooks.slack.com/services/T…/B…/<token>`, also `/workflows/`, `/triggers/`), Discord
   * (`discord.com/api/webhooks/<id>/<token>`), Telegram (`api.telegram.org/bot<token>/`).
   */
  const WEBHOOK =
    /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9_/-]{6,}|(discord(?:app)?\.com\/api\/webhooks\/\d+\/|api\.telegram\.org\/(?:file\/)?bot)[A-Za-z0-9_:-]{6,}/gi;

  /** Replaces values that are secrets whatever their name ({@link TOKEN_VALUE}, private keys, webhook tokens). */
  function redactTokenValues(text: string): string {
    return text
      .replace(PRIVATE_KEY_BLOCK, REDACTED)
      .replace(WEBHOOK, webhook)
      .replace(TOKEN_VALUE, tokenValue);
  }

  /** The replacements of {@link redactTokenValues}, made once rather than on every call. */
  function webhook(_whole: string, slack: string | undefined, other: string | undefined): string {
    return (slack || other) + REDACTED;
  }
  function tokenValue(whole: string, before: string, at: number, text: string): string {
    return isHostLabel(text, at + before.length, at + whole.length) ? whole : before + REDACTED;
  }

  /**
   * What may stand between a URL's `//` and a token in a label of its host: userinfo, other
   * labels, and the start of the token's own label (`pypi-0-sk-a0-aaa.com`).
   */
  const BEFORE_HOST_LABEL = /^(?:[^\s/?#@]*@)?(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]*$/;
  /**
   * How far before a token {@link isHostLabel} looks for the URL's `//`: a host name is at most
   * 253 characters, and a bounded look keeps a text of many tokens linear.
   */
  const MAX_BEFORE_HOST_LABEL = 256;

  /**
   * True when `text` from `start` to `end` is a label of a URL's host followed by another
   * (`https://sk-gaming.com/`, `https://www.hvs.example/`): a name a site chose, which a token
   * format can match by chance, not a credential. The URL has a scheme (`…://`) or starts
   * the text (`//host/…`).
   */
  function isHostLabel(text: string, start: number, end: number): boolean {
    if (text.charAt(end) !== '.' || !/[A-Za-z0-9]/.test(text.charAt(end + 1))) return false;
    const from = Math.max(0, start - 2 - MAX_BEFORE_HOST_LABEL);
    const before = text.slice(from, start);
    const slashes = before.lastIndexOf('//');
    if (slashes === -1) return false;
    if (from + slashes > 0 && text.charAt(from + slashes - 1) !== ':') return false;
    return BEFORE_HOST_LABEL.test(before.slice(slashes + 2));
  }

  return { REDACTED, isSecretName, redactUserinfo, redactTokenValues };
}
