/**
 * The one redaction module: which names and values look secret, for URLs
 * (the error handler's `url`, the server's `$current_url`) and for the
 * command line (`runCli`'s `argv`). Pure: strings in, strings out. The rules
 * are listed in docs/observability.md ("What is redacted").
 */

/** The most characters of `argv` sent on an event. */
export const MAX_ARGV_CHARS = 512;

import { createEventGate } from './event-gate.js';
import { createUrlRedaction } from './url-redaction.js';

const redaction = createUrlRedaction();

/** What a redacted value is replaced with. */
export const REDACTED = redaction.REDACTED;

/**
 * True when a parameter, variable, flag or header name announces a secret (see
 * `url-redaction.ts`).
 * @example
 * isSecretName('access_token'); // true
 * isSecretName('--token-file'); // false
 */
export const isSecretName: (name: string) => boolean = redaction.isSecretName;

/**
 * Replaces the userinfo of every URL in a text by `[redacted]`.
 * @example
 * redactUserinfo('postgres://app:p@ssS@db/prod'); // 'postgres://[redacted]@db/prod'
 */
export const redactUserinfo: (text: string) => string = redaction.redactUserinfo;

/** Redacts the values of secret-looking names in `a=1&b=2`; other bytes are kept as they are. */
function redactParams(params: string): string {
  return params
    .split('&')
    .map(function redactParam(pair) {
      const equals = pair.indexOf('=');
      if (equals === -1) return redaction.redactTokenValues(pair);
      const name = pair.slice(0, equals);
      return redaction.isSecretName(name)
        ? `${name}=${REDACTED}`
        : redaction.redactTokenValues(pair);
    })
    .join('&');
}

/**
 * The URL with secrets replaced by `[redacted]`: the values of secret-looking
 * query parameters (see {@link isSecretName}), the userinfo of an absolute
 * URL, and well-known token formats anywhere. Works on a path with a query
 * (`req.originalUrl`) as well as on an absolute URL; names, order, other
 * values and their encoding are kept byte for byte. A fragment written like a
 * query (`#access_token=…`, OAuth's implicit flow) is redacted the same way.
 *
 * @param url - `/path?query#fragment` or an absolute URL.
 * @returns the redacted URL; the input itself when nothing looked secret.
 * @example
 * redactUrl('/callback?code=abc&state=xyz&api_key=k');
 * // → '/callback?code=[redacted]&state=xyz&api_key=[redacted]'
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#');
  const beforeHash = redaction.redactUserinfo(hash === -1 ? url : url.slice(0, hash));
  const fragment = hash === -1 ? undefined : url.slice(hash + 1);
  const question = beforeHash.indexOf('?');
  let result =
    question === -1
      ? redaction.redactTokenValues(beforeHash)
      : `${redaction.redactTokenValues(beforeHash.slice(0, question + 1))}${redactParams(beforeHash.slice(question + 1))}`;
  if (fragment !== undefined) {
    result += `#${fragment.includes('=') ? redactParams(fragment) : redaction.redactTokenValues(fragment)}`;
  }
  return result;
}

/**
 * Remembers what `redact` made of strings seen lately: the source lines and file names of
 * stack frames repeat from one event to the next. Bounded: emptied when full; long strings
 * are not kept.
 */
export function rememberStrings(redact: (text: string) => string): (text: string) => string {
  const seen = new Map<string, string>();
  return function redactRemembered(text) {
    if (text.length > 1024) return redact(text);
    const known = seen.get(text);
    if (known !== undefined) return known;
    const out = redact(text);
    if (seen.size >= 2000) seen.clear();
    seen.set(text, out);
    return out;
  };
}

const gate = createEventGate(redaction, { argv: redactArgvField }, rememberStrings);

/**
 * Redacts every secret-looking value in a free text (one command-line
 * argument, a connection string, a header, a JSON body, an error message): URL userinfo, the
 * value of a secret-named header, JSON key or `name=value` pair (also inside a URL that is
 * a query value, percent-encoded once or twice), `Bearer`/`Basic` credentials, webhook
 * tokens and well-known token formats. Other characters are kept as they are. The gate's
 * own string rule (`event-gate.ts`).
 *
 * @example
 * redactText('Authorization: Bearer abc123'); // 'Authorization: [redacted]'
 * redactText('https://x.io/cb?code=abc&state=1'); // 'https://x.io/cb?code=[redacted]&state=1'
 */
export function redactText(text: string): string {
  return gate.redactString(text);
}

/**
 * The one redaction gate (docs/observability.md, "What is redacted"): the event with every
 * string redacted at any depth, keys too, and the command-line rules on an `argv` field.
 * Never throws; harmless parts come back as the same values. The client runs it on every
 * event before it leaves.
 *
 * @example
 * redactEvent({ event: '$exception', properties: { message: 'GET https://u:pw@h/ failed' } });
 * // → { event: '$exception', properties: { message: 'GET https://[redacted]@h/ failed' } }
 */
export function redactEvent<T>(event: T): T {
  return gate.redactEvent(event);
}

/**
 * The command-line rules on an `argv` field: a line of words (word by word, as
 * {@link redactArgv} reads them) or an array of arguments; `undefined` for anything else,
 * which the general rules take.
 */
function redactArgvField(value: unknown): unknown {
  if (typeof value === 'string') {
    const parts = value.split(/(\s+)/);
    const words = redactWords(parts.filter((_, i) => i % 2 === 0));
    const line = parts.map((part, i) => (i % 2 === 0 ? (words[i / 2] ?? part) : part)).join('');
    return line === value ? value : line;
  }
  if (!Array.isArray(value) || !value.every((word) => typeof word === 'string')) return undefined;
  const words = redactWords(value);
  return words.every((word, i) => word === value[i]) ? value : words;
}

/** Flags whose value is `user:password` (curl `-u`, `--user`, `--proxy-user`). */
const USER_FLAGS = new Set(['-u', '--user', '--proxy-user', '--basic-auth']);

/** Single-dash words that start like `-p<password>` but are not (`find -print`, `gcc -pthread`). */
const DASH_P_WORDS = new Set([
  '-print',
  '-print0',
  '-printf',
  '-prune',
  '-perm',
  '-path',
  '-pthread',
  '-pedantic',
  '-pipe',
  '-pie',
  '-pg',
]);

/** What the next word is, after a flag that takes a secret. */
type Pending = 'secret' | 'user' | 'smb-user' | undefined;

/** `admin:secret` → `admin:[redacted]`. */
function redactUserValue(value: string): string {
  const colon = value.indexOf(':');
  return colon === -1 ? redactText(value) : `${value.slice(0, colon)}:${REDACTED}`;
}

/**
 * {@link redactText}, then, for a text holding spaces (a quoted sub-command
 * such as `sh -c "mysql -pS db"`), the command-line rules on its words too.
 */
function redactFreeText(text: string, stopAt: number): string {
  const redacted = redactText(text);
  if (!/\s/.test(redacted)) return redacted;
  const parts = redacted.split(/(\s+)/);
  // Words past `stopAt` characters are cut from the line anyway.
  const inner = redactWords(
    parts.filter((_, i) => i % 2 === 0),
    stopAt,
  );
  return parts.map((part, i) => (i % 2 === 0 ? (inner[i / 2] ?? part) : part)).join('');
}

/** Redacts one word and says whether the next word is a secret value. */
function redactWord(word: string, stopAt: number): [text: string, next: Pending] {
  if (word.length > 2 && word.startsWith('-p') && !DASH_P_WORDS.has(word)) {
    return [`-p${REDACTED}`, undefined]; // mysql -pSECRET
  }
  if (word.length > 2 && word.startsWith('-u')) {
    return [`-u${redactUserValue(word.slice(2))}`, undefined]; // -uadmin:SECRET
  }
  const flag = /^(--?[A-Za-z][\w.-]*)(?:=([\s\S]*))?$/.exec(word);
  if (flag) {
    const [, name = '', value] = flag;
    const lower = name.toLowerCase();
    if (value === undefined) {
      if (USER_FLAGS.has(lower)) return [word, 'user'];
      if (name === '-p' || (!lower.startsWith('--no-') && isSecretName(name))) {
        return [word, 'secret'];
      }
      return [redactFreeText(word, stopAt), undefined];
    }
    if (USER_FLAGS.has(lower)) return [`${name}=${redactUserValue(value)}`, undefined];
    if (value !== '' && (name === '-p' || isSecretName(name))) {
      return [`${name}=${REDACTED}`, undefined];
    }
    return [`${name}=${redactFreeText(value, stopAt)}`, undefined];
  }
  const pair = /^([A-Za-z_][\w.-]*)=([\s\S]+)$/.exec(word);
  if (pair && isSecretName(pair[1] ?? '')) return [`${pair[1]}=${REDACTED}`, undefined];
  return [redactFreeText(word, stopAt), undefined];
}

/** Redacts a list of words, where a secret flag makes the next word a secret. */
function redactWords(words: readonly string[], stopAt = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  let length = 0;
  let pending: Pending;
  let tool: ToolState = { name: undefined, flags: undefined, positional: 'none' };
  for (const word of words) {
    if (length > stopAt) break;
    let text: string;
    if (pending !== undefined && word === '--') {
      // `--token -- S`: the end of the options does not end the secret.
      text = word;
    } else if (pending !== undefined && word !== '') {
      // The word after a secret flag goes whatever it looks like: a password may start with `-`.
      text =
        pending === 'secret'
          ? REDACTED
          : pending === 'smb-user'
            ? redactSmbUser(word)
            : redactUserValue(word);
      pending = undefined;
    } else {
      [text, pending] = redactToolWord(word, tool) ?? redactWord(word, stopAt - length);
      tool = nextToolState(tool, word);
    }
    out.push(text);
    length += text.length + 1;
  }
  return out;
}

/**
 * The password flags of common tools, by the tool's name: the word after the flag is the
 * password (docs/observability.md, "What is redacted").
 */
const TOOL_SECRET_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'redis-cli': ['-a', '--pass', '--user-pass'],
  sqlcmd: ['-P'],
  bcp: ['-P'],
  ldapsearch: ['-w'],
  ldapmodify: ['-w'],
  ldapadd: ['-w'],
  ldapdelete: ['-w'],
  ldapwhoami: ['-w'],
  ldappasswd: ['-w', '-s', '-a'],
  openssl: ['-k', '-pass', '-passin', '-passout', '-password'],
  smbclient: [],
  vault: [],
};

/** What the words so far say about the tool being run. */
interface ToolState {
  /** The known tool's name, once seen. */
  readonly name: string | undefined;
  /** The tool's password flags, once a known tool's name was seen. */
  readonly flags: readonly string[] | undefined;
  /**
   * `login`: `vault login` was seen, its next positional is a token; `set`: a `… set`
   * was seen (`aws configure set`, `npm config set`), a secret-named positional makes the
   * next word a secret; `none` otherwise.
   */
  readonly positional: 'none' | 'login' | 'set';
}

/** The tool state after `word`. */
function nextToolState(state: ToolState, word: string): ToolState {
  const base = word.slice(word.lastIndexOf('/') + 1).replace(/\.exe$/i, '');
  const flags = Object.hasOwn(TOOL_SECRET_FLAGS, base) ? TOOL_SECRET_FLAGS[base] : undefined;
  if (flags !== undefined) return { name: base, flags, positional: 'none' };
  if (word === 'login' && state.name === 'vault' && state.positional === 'none')
    return { ...state, positional: 'login' };
  if (word === 'set') return { ...state, positional: 'set' };
  if (state.positional === 'login' && !word.startsWith('-'))
    return { ...state, positional: 'none' };
  return state;
}

/** A word the tool's own rules decide, with what the next word is; `undefined` for the general rules. */
function redactToolWord(word: string, state: ToolState): [string, Pending] | undefined {
  if (state.flags?.includes(word)) return [word, 'secret'];
  if (state.flags !== undefined && /^(?:-U|--user)$/.test(word)) return [word, 'smb-user'];
  const smb = /^(-U|--user=)(.*%.*)$/.exec(word);
  if (smb && state.flags !== undefined)
    return [`${smb[1]}${redactSmbUser(smb[2] ?? '')}`, undefined];
  if (state.positional === 'login' && !word.startsWith('-') && !word.includes('=')) {
    return [REDACTED, undefined]; // vault login <token>
  }
  if (state.positional === 'set' && !word.startsWith('-') && isSecretName(word)) {
    return [word, 'secret']; // aws configure set aws_secret_access_key <secret>
  }
  return undefined;
}

/** smbclient's `user%password` → `user%[redacted]`. */
function redactSmbUser(value: string): string {
  const percent = value.indexOf('%');
  return percent === -1 ? value : `${value.slice(0, percent)}%${REDACTED}`;
}

/**
 * Joins command-line arguments for the `argv` property: secret-looking values
 * replaced by `[redacted]`, at most `max` characters (a longer line is cut
 * and ends with `…`). Redaction runs on whole arguments before the cut, so a
 * cut never reveals part of a secret.
 *
 * Redacted: the value after a secret-named flag (`--token x`, `--pass x`,
 * `--jwt x`, `--passphrase x`, `-p x`, `-px`) or in `--name=x`; the password
 * of `-u user:x` / `--user user:x`; secret-named `NAME=value` pairs
 * (`DB_PASS=x`); and everything {@link redactText} redacts (URL userinfo,
 * `Authorization:` and other secret headers, `Bearer x`, `?code=x`, token
 * formats such as `glpat-…`, `ghp_…`, `sk-…`, `phc_…`). The words of an
 * argument holding spaces (`sh -c "…"`) are redacted by the same rules.
 *
 * @param argv - the arguments, usually `process.argv.slice(2)`; non-strings are stringified.
 * @param max - the most characters. @default 512
 * @example
 * redactArgv(['deploy', '--token', 'abc', '--region=eu', 'DB_PASS=hunter2']);
 * // 'deploy --token [redacted] --region=eu DB_PASS=[redacted]'
 */
export function redactArgv(argv: readonly unknown[], max: number = MAX_ARGV_CHARS): string {
  const words = Array.from(argv, (arg) => {
    try {
      return typeof arg === 'string' ? arg : String(arg);
    } catch {
      return '?';
    }
  });
  const line = redactWords(words, max).join(' ');
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}
