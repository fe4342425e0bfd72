/**
 * Pretty-prints a value as JSON, stopping once `maxChars` are written: the work is
 * bounded by the budget, not by the value (a huge or deep event costs no more than a
 * small one). Nesting past `maxDepth` prints as `"…"`; getters that throw, cycles and
 * values JSON cannot hold print as strings saying so.
 *
 * @example
 * boundedJson({ a: [1, 2] }, 100); // '{\n  "a": [\n    1,\n    2\n  ]\n}'
 * boundedJson({ long: 'x'.repeat(1e6) }, 20); // '{\n  "long": "xxxxxx…' + '\n…[cut at 20 characters]'
 */
export function boundedJson(value: unknown, maxChars: number, maxDepth = 64): string {
  const parts: string[] = [];
  let length = 0;
  let full = false;
  const seen = new Set<object>();

  function put(text: string): void {
    if (full) return;
    if (length + text.length > maxChars) {
      parts.push(text.slice(0, maxChars - length));
      full = true;
      length = maxChars;
      return;
    }
    parts.push(text);
    length += text.length;
  }

  function write(item: unknown, indent: string, depth: number): void {
    if (full) return;
    if (item === null || typeof item === 'number' || typeof item === 'boolean') {
      put(typeof item === 'number' && !Number.isFinite(item) ? 'null' : String(item));
      return;
    }
    if (typeof item === 'string') {
      // Quote at most what still fits: a 10 MB string is not copied to show 200 characters of it.
      put(JSON.stringify(item.length > maxChars ? item.slice(0, maxChars) : item));
      return;
    }
    if (typeof item !== 'object') {
      put(JSON.stringify(`(${typeof item})`));
      return;
    }
    if (depth >= maxDepth) {
      put('"…"');
      return;
    }
    if (seen.has(item)) {
      put('"(circular)"');
      return;
    }
    seen.add(item);
    const inner = `${indent}  `;
    if (Array.isArray(item)) {
      if (item.length === 0) put('[]');
      else {
        put('[');
        for (let i = 0; i < item.length && !full; i += 1) {
          put(`${i === 0 ? '' : ','}\n${inner}`);
          write(item[i], inner, depth + 1);
        }
        put(`\n${indent}]`);
      }
    } else {
      let first = true;
      put('{');
      for (const key in item) {
        if (full) break;
        if (!Object.hasOwn(item, key)) continue;
        let child: unknown;
        try {
          child = (item as Record<string, unknown>)[key];
        } catch {
          child = '(a getter threw)';
        }
        if (child === undefined || typeof child === 'function') continue;
        put(`${first ? '' : ','}\n${inner}${JSON.stringify(key)}: `);
        first = false;
        write(child, inner, depth + 1);
      }
      put(first ? '}' : `\n${indent}}`);
    }
    seen.delete(item);
  }

  write(value, '', 0);
  const text = parts.join('');
  return full ? `${text}\n…[cut at ${maxChars} characters; the JSON endpoint has it all]` : text;
}
