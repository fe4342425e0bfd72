/**
 * The one redaction gate every event passes before it leaves the process or the browser
 * (docs/observability.md, "What is redacted"). It walks every string of an event at any depth,
 * keys as well as values, and replaces only the secret by the marker; a harmless value comes
 * back as the very same value. Like `url-redaction.ts` it is one self-contained function that
 * refers to nothing outside its body but its parameters, so the boot script runs this very code
 * in the browser (src/snippet/browser-code.ts minifies its source into the boot script).
 */
import type { UrlRedaction } from './url-redaction.js';

/** What {@link createEventGate} gives. */
export interface EventGate {
  /** The most string characters one event may carry through the gate; past it, strings are dropped. */
  readonly MAX_CHARS: number;
  /** The deepest nesting walked; deeper values are dropped. */
  readonly MAX_DEPTH: number;
  /**
   * Redacts the secrets of one free text, URL, header line, JSON body or error message:
   * everything {@link UrlRedaction} redacts, secret-named `name=value` pairs anywhere
   * (also inside a URL that is itself a query value, percent-encoded once or twice),
   * `name: value` headers, JSON pairs, `Bearer`/`Basic` credentials and webhook tokens.
   */
  redactString(text: string): string;
  /**
   * The event (any JSON-like value) with every string redacted, keys too. Never throws; never
   * changes its argument: a part holding a secret is copied, a harmless part is returned as it
   * is. A value that cannot be read (a throwing getter, a revoked Proxy), a cycle, nesting
   * deeper than {@link MAX_DEPTH} and strings past {@link MAX_CHARS} are dropped.
   */
  redactEvent<T>(event: T): T;
}

/**
 * Builds the gate over the URL rules. Self-contained on purpose (see the module comment):
 * keep every constant and helper inside.
 *
 * @param url - the URL rules (`createUrlRedaction()`).
 * @param fieldRules - rules for a named field, by key (the server's `argv`): a rule returns
 *   the redacted value, or `undefined` to leave the value to the general rules; optional.
 * @param remember - wraps the string rule with a memo (the server's `rememberStrings` in redact.ts:
 *   stack frames repeat from one event to the next); the browser's copy runs without one.
 * @example
 * const gate = createEventGate(createUrlRedaction());
 * gate.redactEvent({ properties: { $current_url: '/r?next=%2Fx%3Ftoken%3Dabc' } });
 * // → { properties: { $current_url: '/r?next=%2Fx%3Ftoken%3D[redacted]' } }
 */
export function createEventGate(
  url: UrlRedaction,
  fieldRules?: Readonly<Record<string, (value: unknown) => unknown>>,
  remember?: (redact: (text: string) => string) => (text: string) => string,
): EventGate {
  const REDACTED = url.REDACTED;
  const isSecretName = url.isSecretName;
  /**
   * A PostHog project key (`phc_…`): public (every page carries it), and posthog-js sends it as
   * each event's `token`, which ingestion needs to accept the event. Kept in a `token` field;
   * elsewhere it is redacted like any token format.
   */
  const PROJECT_KEY = /^phc_[\w-]+$/;
  const MAX_CHARS = 8 * 1024 * 1024;
  const MAX_DEPTH = 64;
  const MAX_NODES = 200000;

  /** `"password": "x"` in JSON: the string value of a secret-named key. */
  const JSON_PAIR = /(["'])([A-Za-z_][\w.-]*)\1(\s*:\s*)(["'])((?:\\.|(?!\4)[^\\])*)\4/g;
  /**
   * `Authorization: …`, `X-Api-Key: …`, `secret: …`: the name of a header or label (group 2) and
   * its colon; {@link HEADER_VALUE} reads the value. The spaces after the colon are not matched,
   * so that a label (`Error: password: x`) does not hide the header after it.
   */
  const HEADER = /(^|[\s'"{,])([A-Za-z][\w-]*)[ \t]*:/g;
  /**
   * A header's value after its colon: a quoted value (`password: "x"`, a YAML line or a
   * JavaScript object in a source line) is the quoted text; otherwise to the end of the line or
   * a quote.
   */
  const HEADER_VALUE = /([ \t]*)((["'])(?:\\.|(?!\3)[^\\\r\n])*\3?|[^\r\n'"]+)/y;
  /** The quote a value read by {@link HEADER_VALUE} starts with (`''` for none), and its text inside the quotes. */
  function unquote(value: string): [quote: string, inner: string] {
    const quote = /^["']/.test(value) ? value.charAt(0) : '';
    return [quote, quote ? value.slice(1, value.endsWith(quote) ? -1 : undefined) : value];
  }
  /** {@link HEADER_VALUE} in a text that is one URL ({@link WHOLE_URL}): to the next parameter or the fragment. */
  const HEADER_VALUE_IN_URL = /()([^'"&#]+)/y;
  /**
   * `--password x` in a text (a command line quoted in an error message): the word after a long
   * flag whose name is secret. Not another flag, a placeholder (`--token <token>`) or a plain
   * lower-case word (`--password requires a value`). (`--password=x` is a pair.)
   */
  const FLAG_WORD = /(^|\s)(--[A-Za-z][\w.-]*)([ \t]+)(?![a-z]+\b)([^\s'"<[{-][^\s'"]*)/g;
  /** `Bearer x`, `Basic x` anywhere, also percent-encoded (`Bearer%20x`). */
  const SCHEME_CREDENTIAL = /\b(bearer|basic|digest)(\s+|%20|\+)[A-Za-z0-9\-._~+/=:]{6,}/gi;
  /**
   * The name of a `name=value` pair (group 2), where a name may start (group 1): at the start,
   * or after a query or fragment separator, a space, a quote or a bracket. The separator is
   * matched, not looked behind, so that browsers without lookbehind (Safari before 16.4) parse
   * the boot script. (A URL inside a query value, percent-encoded, is read by {@link redactEncoded}.)
   */
  const PAIR_NAME = /(^|[?&#;,\s'"({[/:+-])([A-Za-z_][\w.\-[\]%]*?)([ \t]*)=/g;
  /**
   * An error code under a name ending in `code` (`code: 'ECONNREFUSED'`, `"code":
   * "invalid_api_key"`, `status_code=500`): an identifier or an HTTP status, kept. A one-time
   * code is random or longer (`code=4f8e2a…`, `code=123456`), and goes.
   */
  function isErrorCode(name: string, value: string): boolean {
    return /code$/i.test(name) && /^(?:[A-Za-z]+(?:_[A-Za-z0-9]+)*|\d{1,3})$/.test(value);
  }
  /** Where a pair's value ends. */
  const VALUE_END = /[\s&;'"<>]/g;
  /**
   * A text that is one URL (a scheme or a path, no space), such as a request's URL: there a
   * value ends only at the next parameter or the fragment; quotes, `;` and `<>` are part of it.
   */
  const WHOLE_URL = /^(?:[a-z][a-z\d+.-]*:\/\/|\/)\S*$/i;
  const URL_VALUE_END = /[&#]/g;

  /**
   * Redacts the value of every secret-named pair; values of other pairs are read on. A value in
   * quotes is the quoted text (`password="x"`, not in a text that is one URL). With spaces around
   * the `=`, a pair counts only when its value is quoted: `token = getToken()` in
   * a source line is code, and `token == x` compares.
   */
  function redactPairs(text: string): string {
    const whole = WHOLE_URL.test(text);
    const ends = whole ? URL_VALUE_END : VALUE_END;
    let out = '';
    let copied = 0;
    PAIR_NAME.lastIndex = 0;
    let match = PAIR_NAME.exec(text);
    while (match !== null) {
      const equals = match.index + match[0].length;
      let start = equals;
      // The spaces after the `=` are read here, not matched, so that the name of the next pair
      // may start after them.
      while (text.charAt(start) === ' ' || text.charAt(start) === '\t') start += 1;
      const spaced = match[3] !== '' || start !== equals;
      const quoted = !whole && (text.charAt(start) === '"' || text.charAt(start) === "'");
      if (isSecretName(match[2] || '') && (quoted || !spaced)) {
        let stop: number;
        if (quoted) {
          // The quoted text, to its closing quote or the end of the line.
          HEADER_VALUE.lastIndex = start;
          const found = HEADER_VALUE.exec(text);
          const inner = unquote(found === null ? '' : found[2] || '')[1];
          start += 1;
          stop = start + inner.length;
        } else {
          ends.lastIndex = start;
          const end = ends.exec(text);
          stop = end === null ? text.length : end.index;
        }
        const value = text.slice(start, stop);
        // In a query (`?code=abc`) a code is OAuth's: no error code is kept there.
        const query =
          whole || /[?&#;]/.test(text.charAt(match.index + (match[1] || '').length - 1));
        if (stop > start && value !== REDACTED && (query || !isErrorCode(match[2] || '', value))) {
          out += text.slice(copied, start) + REDACTED;
          copied = stop;
        }
        PAIR_NAME.lastIndex = Math.max(stop, start);
      } else {
        PAIR_NAME.lastIndex = equals;
      }
      match = PAIR_NAME.exec(text);
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** A run of a value holding percent-escapes, between the separators of a query. */
  const ENCODED_SEGMENT = /[^?&#=\s]*%[0-9A-Fa-f]{2}[^?&#=\s]*/g;
  const ENCODED_MARKER = encodeURIComponent(REDACTED);
  /** A run of percent-escapes, decoded together (a UTF-8 character spans several). */
  const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

  /** Decodes the escapes of a text; a run that is not valid UTF-8 is kept as it is. */
  function decode(text: string): string {
    return text.replace(ESCAPES, function decodeRun(run) {
      try {
        return decodeURIComponent(run);
      } catch (_invalid) {
        return run;
      }
    });
  }

  /**
   * Secrets that show only once a value is decoded (a message or a URL inside a query value,
   * encoded once or twice): each segment holding escapes is decoded and redacted, and a
   * segment that held a secret is encoded again with the marker in place of the secret.
   */
  function redactEncoded(text: string, level: number): string {
    return text.replace(ENCODED_SEGMENT, function encodedSegment(segment) {
      const decoded = decode(segment);
      if (decoded === segment) return segment;
      const redacted = redactString(decoded, level + 1);
      // Encoded again, but the marker, which reads as it is inside a URL.
      return redacted === decoded
        ? segment
        : encodeURIComponent(redacted).split(ENCODED_MARKER).join(REDACTED);
    });
  }

  /** The replacements of {@link redactString}'s rules, made once rather than on every call. */
  function jsonPair(
    whole: string,
    q: string,
    name: string,
    colon: string,
    vq: string,
    value: string,
  ): string {
    return isSecretName(name) && !isErrorCode(name, value)
      ? q + name + q + colon + vq + REDACTED + vq
      : whole;
  }
  /** Redacts the value of every secret-named header (see {@link HEADER}). */
  function redactHeaders(text: string): string {
    // (In a text that is one URL, a name can follow only a quote, `{` or `,`: it has no space.)
    const names = HEADER;
    const values = WHOLE_URL.test(text) ? HEADER_VALUE_IN_URL : HEADER_VALUE;
    let out = '';
    let copied = 0;
    names.lastIndex = 0;
    let match = names.exec(text);
    while (match !== null) {
      const name = match[2] || '';
      values.lastIndex = match.index + match[0].length;
      const found = isSecretName(name) ? values.exec(text) : null;
      const value = found === null ? '' : found[2] || '';
      // A quoted value keeps its quotes.
      const [quote, bare] = unquote(value);
      // A URL after the label (`…credentials: https://u:p@h/`) has its own rules.
      if (
        found !== null &&
        bare !== '' &&
        !/^[a-z][a-z\d+.-]*:\/\//i.test(value) &&
        !isErrorCode(name, bare.trim())
      ) {
        const start = found.index + (found[1] || '').length;
        out += text.slice(copied, start) + quote + REDACTED + quote;
        copied = start + value.length;
        names.lastIndex = copied;
      }
      match = names.exec(text);
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
  function credential(_whole: string, scheme: string, space: string): string {
    return scheme + space + REDACTED;
  }
  function flagWord(whole: string, before: string, flag: string, space: string): string {
    return isSecretName(flag) && !/^--no-/i.test(flag) ? before + flag + space + REDACTED : whole;
  }
  /** The secrets of one string replaced by the marker; the string itself when none. */
  function redactString(text: string, level?: number): string {
    if (text.length < 4) return text;
    let out = url.redactUserinfo(url.redactTokenValues(text));
    if (out.indexOf(':') !== -1) out = redactHeaders(out.replace(JSON_PAIR, jsonPair));
    out = out.replace(SCHEME_CREDENTIAL, credential);
    if (out.indexOf('--') !== -1) out = out.replace(FLAG_WORD, flagWord);
    if (out.indexOf('=') !== -1) out = redactPairs(out);
    if ((level || 0) < 4 && out.indexOf('%') !== -1) out = redactEncoded(out, level || 0);
    return out === text ? text : out;
  }

  /** {@link redactString} for the walk, remembered when the caller gives a memo (the server's). */
  const redactRemembered = remember ? remember(redactString) : redactString;

  /** What the walk carries: what is left of the budget, and the objects on the path. */
  interface Walk {
    chars: number;
    nodes: number;
    path: object[];
  }

  /** Marks a value to drop. */
  const DROP = {};

  function walk(value: unknown, depth: number, state: Walk, key: string | undefined): unknown {
    if (typeof value === 'string') {
      if (value.length > state.chars) return DROP;
      state.chars -= value.length;
      return redactRemembered(value);
    }
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Date) return value;
    state.nodes -= 1;
    if (depth >= MAX_DEPTH || state.nodes < 0 || state.path.indexOf(value) !== -1) return DROP;
    let source: unknown = value;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      source = (value as { toJSON(key?: string): unknown }).toJSON(key);
      if (typeof source !== 'object' || source === null) return walk(source, depth, state, key);
    }
    state.path.push(value);
    try {
      if (Array.isArray(source)) {
        let copy: unknown[] | undefined;
        for (let i = 0; i < source.length; i += 1) {
          const item = source[i];
          let next = walkChild(item, depth + 1, state, String(i));
          if (next === DROP) next = null;
          if (next !== item && copy === undefined) copy = source.slice(0, i);
          if (copy !== undefined) copy.push(next);
        }
        return copy === undefined ? source : copy;
      }
      const record = source as Record<string, unknown>;
      const keys = Object.keys(record);
      let copy: Record<string, unknown> | undefined;
      for (let i = 0; i < keys.length; i += 1) {
        const name = keys[i] as string;
        let next: unknown;
        let item: unknown;
        try {
          item = record[name];
          const rule = fieldRules && Object.hasOwn(fieldRules, name) ? fieldRules[name] : undefined;
          // A field rule that applies replaces the general rules; `undefined` leaves them.
          const ruled =
            name === 'token' && typeof item === 'string' && PROJECT_KEY.test(item)
              ? item
              : rule
                ? rule(item)
                : undefined;
          next = ruled !== undefined ? ruled : walkChild(item, depth + 1, state, name);
        } catch (_unreadable) {
          next = DROP;
        }
        const fits = name.length <= state.chars;
        if (fits) state.chars -= name.length;
        const newName = fits ? redactRemembered(name) : '';
        const changed = next !== item || newName !== name;
        if (changed && copy === undefined) {
          copy = {};
          for (let j = 0; j < i; j += 1) copy[keys[j] as string] = record[keys[j] as string];
        }
        if (copy !== undefined && next !== DROP && newName !== '') copy[newName] = next;
      }
      return copy === undefined ? source : copy;
    } catch (_unreadable) {
      return DROP;
    } finally {
      state.path.pop();
    }
  }

  /** {@link walk}, with a value that cannot be read dropped. */
  function walkChild(value: unknown, depth: number, state: Walk, key: string): unknown {
    try {
      return walk(value, depth, state, key);
    } catch (_unreadable) {
      return DROP;
    }
  }

  /** The event with every string redacted; never throws (see {@link EventGate.redactEvent}). */
  function redactEvent<T>(event: T): T {
    try {
      const out = walk(event, 0, { chars: MAX_CHARS, nodes: MAX_NODES, path: [] }, undefined);
      return (out === DROP ? null : out) as T;
    } catch (_unreadable) {
      return null as T;
    }
  }

  return { MAX_CHARS, MAX_DEPTH, redactString, redactEvent };
}
