/**
 * Parsing of the HTTP header values the snippet's rules read: lists, parameters,
 * `Cache-Control` directives, `Content-Type`. Pure.
 */

/** A header value as Node's `res.getHeader()` returns it. */
export type HeaderValue = string | number | readonly string[] | undefined;

/** A header value as one string; lists are joined as repeated headers are. */
export function headerText(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  return value.join(', ');
}

/** The comma-separated tokens of a list header, trimmed and lowercased, empties dropped. */
export function listTokens(value: string): string[] {
  return value
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

/** One `name[=value]` item of a header, from {@link parseParameters}. */
interface Parameter {
  readonly name: string;
  readonly value: string | undefined;
}

/** HTTP optional whitespace. */
function isOws(c: string): boolean {
  return c === ' ' || c === '\t';
}

/**
 * Parses `name[=value]` items separated by `separator`, names lowercased, values unquoted
 * (a quoted string may hold the separator and backslash escapes).
 */
function parseParameters(text: string, separator: string): Parameter[] {
  const items: Parameter[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (isOws(text.charAt(i)) || text.charAt(i) === separator)) i++;
    const nameStart = i;
    while (i < text.length && !'=,;'.includes(text.charAt(i))) i++;
    const name = text.slice(nameStart, i).trim().toLowerCase();
    let value: string | undefined;
    if (text.charAt(i) === '=') {
      const parsed = parseValue(text, i + 1, separator);
      value = parsed.value;
      i = parsed.next;
    }
    while (i < text.length && text.charAt(i) !== separator) i++;
    if (name !== '') items.push({ name, value });
  }
  return items;
}

/** A token or quoted-string value starting at `start`. */
function parseValue(
  text: string,
  start: number,
  separator: string,
): { value: string; next: number } {
  let i = start;
  while (i < text.length && isOws(text.charAt(i))) i++;
  if (text.charAt(i) !== '"') {
    const end = text.indexOf(separator, i);
    const stop = end === -1 ? text.length : end;
    return { value: text.slice(i, stop).trim(), next: stop };
  }
  let value = '';
  i++;
  while (i < text.length && text.charAt(i) !== '"') {
    if (text.charAt(i) === '\\' && i + 1 < text.length) i++;
    value += text.charAt(i);
    i++;
  }
  return { value, next: i + 1 };
}

/**
 * Cache-Control directives: name → value, or `true` for a directive without a value. When a
 * directive repeats, an occurrence without a value wins (an unqualified `private` stays
 * unqualified), else the first value.
 */
export function parseCacheControl(value: string): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  for (const { name, value: directive } of parseParameters(value, ',')) {
    if (!directives.has(name) || directive === undefined) directives.set(name, directive ?? true);
  }
  return directives;
}

/**
 * The names a list header with weights accepts (`Accept-Encoding: br;q=0.9, gzip;q=0`):
 * lowercased, each with a `q` above 0 or none. Parameters are read as every other header's
 * ({@link parseContentType}'s `charset` too): names in any case, quoted values unquoted.
 * @example
 * acceptedNames('br;q=0.9, gzip;q=0, *;q=0.1'); // Set { 'br', '*' }
 */
export function acceptedNames(value: string): Set<string> {
  const accepted = new Set<string>();
  for (const item of value.split(',')) {
    const [first, ...parameters] = parseParameters(item, ';');
    if (first === undefined || first.value !== undefined) continue;
    const q = parameters.find((parameter) => parameter.name === 'q');
    if (q !== undefined && !(Number(q.value) > 0)) continue;
    accepted.add(first.name);
  }
  return accepted;
}

/** The lowercased media type essence and the `charset` parameter of a Content-Type. */
export function parseContentType(value: string): { essence: string; charset: string | undefined } {
  const semicolon = value.indexOf(';');
  const essence = (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
  if (semicolon === -1) return { essence, charset: undefined };
  const charset = parseParameters(value.slice(semicolon + 1), ';').find(
    (parameter) => parameter.name === 'charset',
  );
  return { essence, charset: charset?.value?.trim().toLowerCase() };
}
