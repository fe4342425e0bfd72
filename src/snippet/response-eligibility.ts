/**
 * Whether a response may get the snippet, decided from its status line and headers alone
 * (docs/observability.md, "Which responses get the snippet"). Pure: takes header
 * values, as `res.getHeader()` returns them, and returns a
 * verdict with a reason for the debug log; the one piece of module state, the last
 * `Content-Type` checked and its verdict, is a cache of a pure function.
 */

import {
  type HeaderValue,
  headerText,
  listTokens,
  parseCacheControl,
  parseContentType,
} from '../core/http/header-values.js';
import { isHtmlEssence } from '../core/http/media-type.js';

export type { HeaderValue } from '../core/http/header-values.js';

/** What {@link decideInjection} looks at. */
export interface InjectionInput {
  /** The status code about to be sent. */
  readonly status: number;
  /** The request method. `HEAD` is eligible: the caller drops `Content-Length`. */
  readonly method: string;
  readonly contentType: HeaderValue;
  readonly contentEncoding: HeaderValue;
  readonly cacheControl: HeaderValue;
}

/** Why a response is not injected. */
export type InjectionSkipReason =
  | 'status'
  | 'method'
  | 'content-type'
  | 'charset'
  | 'content-encoding'
  | 'no-transform';

/** The verdict of {@link decideInjection}; `detail` is a sentence for the debug log. */
export type InjectionDecision =
  | { readonly inject: true }
  | { readonly inject: false; readonly reason: InjectionSkipReason; readonly detail: string };

const INJECT: InjectionDecision = Object.freeze({ inject: true });

/** Statuses whose response has no body to inject into, or a body that must not change. */
const BODYLESS_OR_PARTIAL = new Set([204, 205, 206, 304]);

/**
 * Decides whether a response may be injected. Injects only when all hold:
 * - the status is a valid code, not 1xx, 204, 205, 206 or 304 (error pages such as 404 and
 *   500 are injected), and the method is not `CONNECT`;
 * - `Content-Type` is `text/html` or `application/xhtml+xml` with no charset or an
 *   ASCII-compatible one ({@link isAsciiCompatibleCharset});
 * - `Content-Encoding` is absent, empty or only `identity`;
 * - `Cache-Control` has no `no-transform` directive.
 * @param input status, method and the three header values.
 * @returns `{ inject: true }`, or `{ inject: false, reason, detail }`.
 * @example
 * decideInjection({ status: 200, method: 'GET', contentType: 'text/html; charset=utf-8',
 *   contentEncoding: undefined, cacheControl: 'no-cache' }); // { inject: true }
 */
export function decideInjection(input: InjectionInput): InjectionDecision {
  return (
    checkStatus(input.status, input.method) ??
    checkContentType(headerText(input.contentType)) ??
    checkContentEncoding(headerText(input.contentEncoding)) ??
    checkCacheControl(headerText(input.cacheControl)) ??
    INJECT
  );
}

/** A verdict of not injecting, with its reason. */
function notInjected(reason: InjectionSkipReason, detail: string): InjectionDecision {
  return { inject: false, reason, detail };
}

/** A bodyless, partial, not-modified or invalid status; or a CONNECT tunnel. */
function checkStatus(status: number, method: string): InjectionDecision | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    return notInjected('status', `status ${String(status)} is not a valid status code`);
  }
  if (status < 200 || BODYLESS_OR_PARTIAL.has(status)) {
    return notInjected('status', `status ${status} has no body to inject into or must not change`);
  }
  if (method !== 'GET' && method.toUpperCase() === 'CONNECT') {
    return notInjected('method', 'a CONNECT response is a tunnel, not a page');
  }
  return undefined;
}

/**
 * The last Content-Type checked and its verdict: an app sends a handful of distinct values
 * (`text/html; charset=utf-8` on nearly every page), so the parse runs once per change.
 */
let lastContentType: string | undefined;
let lastContentTypeVerdict: InjectionDecision | undefined;

/** Not HTML, or a charset in which ASCII bytes do not mean ASCII characters. */
function checkContentType(value: string | undefined): InjectionDecision | undefined {
  if (value !== undefined && value === lastContentType) return lastContentTypeVerdict;
  const verdict = parseAndCheckContentType(value);
  lastContentType = value;
  lastContentTypeVerdict = verdict;
  return verdict;
}

/** {@link checkContentType} without the cache: parses the value and checks type and charset. */
function parseAndCheckContentType(value: string | undefined): InjectionDecision | undefined {
  if (value === undefined || value.trim() === '') {
    return notInjected('content-type', 'no Content-Type');
  }
  const { essence, charset } = parseContentType(value);
  if (!isHtmlEssence(essence)) {
    return notInjected('content-type', `Content-Type ${JSON.stringify(essence)} is not HTML`);
  }
  if (charset !== undefined && charset !== '' && !isAsciiCompatibleCharset(charset)) {
    return notInjected(
      'charset',
      `charset ${JSON.stringify(charset)} is not known ASCII-compatible`,
    );
  }
  return undefined;
}

/** Any coding other than `identity`. */
function checkContentEncoding(value: string | undefined): InjectionDecision | undefined {
  if (value === undefined) return undefined;
  const codings = listTokens(value);
  if (codings.every((coding) => coding === 'identity')) return undefined;
  return notInjected(
    'content-encoding',
    `Content-Encoding ${JSON.stringify(value)} is not identity`,
  );
}

/** `Cache-Control: no-transform` forbids changing the body. */
function checkCacheControl(value: string | undefined): InjectionDecision | undefined {
  if (value === undefined) return undefined;
  if (!parseCacheControl(value).has('no-transform')) return undefined;
  return notInjected('no-transform', 'Cache-Control has no-transform');
}

/** Content codings that mean the body is compressed. */
const COMPRESSING_CODINGS = new Set(['gzip', 'x-gzip', 'br', 'deflate', 'zstd', 'compress']);

/**
 * True when `Content-Encoding` names a compression (`gzip`, `x-gzip`, `br`, `deflate`,
 * `zstd`, `compress`), case-insensitively, anywhere in its list: the sign that the snippet
 * middleware was registered before `compression()`.
 * @param contentEncoding the `Content-Encoding` header value.
 * @example
 * isAlreadyEncoded('GZIP'); // true
 * isAlreadyEncoded('identity'); // false
 */
export function isAlreadyEncoded(contentEncoding: HeaderValue): boolean {
  const text = headerText(contentEncoding);
  if (text === undefined) return false;
  return listTokens(text).some((coding) => COMPRESSING_CODINGS.has(coding));
}

/**
 * The allow-list of {@link isAsciiCompatibleCharset}: labels (WHATWG Encoding Standard) of
 * the encodings in which the bytes that make HTML
 * markup — `<`, `/`, `>`, `!`, `-`, quotes, `=`, whitespace — always mean those characters,
 * so that markup can be found on bytes and the ASCII-only snippet inserted between
 * characters. UTF-8, every single-byte encoding, and the multi-byte EUC-JP, EUC-KR, GBK,
 * gb18030, Big5 and Shift_JIS (whose trail bytes are ≥ 0x40, above all of those) qualify.
 * Not on the list, so not injected: UTF-16 and UTF-32 in every spelling, ISO-2022-JP and the
 * other 7-bit stateful encodings, the WHATWG "replacement" labels, UTF-7, EBCDIC code pages,
 * and any label this list does not know.
 */
export const ASCII_COMPATIBLE_CHARSET_LABELS: ReadonlySet<string> = new Set(
  [
    // UTF-8
    'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8',
    // IBM866, KOI8, Macintosh
    '866 cp866 csibm866 ibm866 cskoi8r koi koi8 koi8-r koi8_r koi8-ru koi8-u',
    'csmacintosh mac macintosh x-mac-roman x-mac-cyrillic x-mac-ukrainian',
    // ISO-8859-2 … 16
    'csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2',
    'csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3',
    'csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4',
    'csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5',
    'iso_8859-5:1988 arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114',
    'iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6',
    'iso_8859-6:1987 csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126',
    'iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek csiso88598e csisolatinhebrew',
    'hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988',
    'visual csiso88598i iso-8859-8-i logical csisolatin6 iso-8859-10 iso-ir-157 iso8859-10',
    'iso885910 l6 latin6 iso-8859-13 iso8859-13 iso885913 iso-8859-14 iso8859-14 iso885914',
    'csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9 iso-8859-16',
    // windows-874 … 1258, with ISO-8859-1 / US-ASCII (windows-1252) and ISO-8859-9 (1254)
    'dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874',
    'cp1250 windows-1250 x-cp1250 cp1251 windows-1251 x-cp1251',
    'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1',
    'iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252',
    'cp1253 windows-1253 x-cp1253 cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599',
    'iso_8859-9 iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254 cp1255 windows-1255 x-cp1255',
    'cp1256 windows-1256 x-cp1256 cp1257 windows-1257 x-cp1257 cp1258 windows-1258 x-cp1258',
    // Chinese, Japanese, Korean multi-byte encodings whose trail bytes are >= 0x40
    'chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030',
    'big5 big5-hkscs cn-big5 csbig5 x-x-big5 cseucpkdfmtjapanese euc-jp x-euc-jp',
    'csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis',
    'cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601',
    'ksc_5601 windows-949 x-user-defined',
  ].flatMap((line) => line.split(' ')),
);

/**
 * True when a charset label names an ASCII-compatible encoding, by an explicit allow-list of
 * WHATWG Encoding Standard labels (matched after trimming and lowercasing, as browsers do).
 * Unknown labels are not ASCII-compatible: an injection they would corrupt is worse than a
 * page without analytics.
 * @param label the `charset` parameter, unquoted.
 * @example
 * isAsciiCompatibleCharset('UTF-8');    // true
 * isAsciiCompatibleCharset('utf-16le'); // false
 */
export function isAsciiCompatibleCharset(label: string): boolean {
  return ASCII_COMPATIBLE_CHARSET_LABELS.has(label.trim().toLowerCase());
}
