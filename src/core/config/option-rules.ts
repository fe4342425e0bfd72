/**
 * The rules every options object of the package obeys, on the lowest floor that needs them:
 * `loadConfig`'s overrides (this floor) and `new PosthogClient(options)` (the client floor)
 * sit below `src/core/options/`, which builds the factories' checker on these. An unknown key
 * is refused with the nearest valid one (docs/observability.md, "Options"); a count is a
 * positive integer.
 */

/** Edit distance, for "did you mean". Names are short. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known option closest to `name`: one spelt the same in another case first, else the one
 * fewest edits away, if at most a third of its letters (at least one) are off.
 *
 * @param name - the key the caller wrote.
 * @param known - the valid keys.
 * @returns the nearest valid key, or `undefined` when none is near.
 * @example
 * closestName('getuser', ['getUser', 'client']); // 'getUser'
 * closestName('zzz', ['getUser', 'client']); // undefined
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3))
    ? best
    : undefined;
}

/**
 * The keys of an options type, written once as `{ key: true, … }` so that TypeScript refuses
 * a list that misses an option of the type or names one it does not have.
 *
 * @param keys - every option of `T`, each mapped to `true`.
 * @returns the keys, for {@link checkOptionsObject} or `OptionsSpec.keys`.
 * @example
 * const KEYS = optionKeys<PosthogProxyOptions>({ path: true, client: true, … });
 */
export function optionKeys<T extends object>(
  keys: {
    readonly [K in keyof Required<T>]: true;
  },
): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(keys)) as readonly (keyof T & string)[];
}

/**
 * Throws a `TypeError` for the first key of `options` that is not in `valid` (nor in
 * `retired`, keys the caller answers itself with what replaced them), naming `who`, the key,
 * the nearest valid key when one is near, and every valid key.
 *
 * @param who - the factory or function, for the message: `posthogSnippet`.
 * @param options - the caller's options object (its own enumerable keys are checked).
 * @param valid - the keys it takes.
 * @param retired - keys that pass here because the caller says what to write instead. @default []
 * @example
 * refuseUnknownKeys('posthogSnippet', { firstparty: true }, ['firstParty', 'client']);
 * // TypeError: posthogSnippet: unknown option `firstparty` — did you mean `firstParty`? Its options are `firstParty`, `client`.
 */
export function refuseUnknownKeys(
  who: string,
  options: object,
  valid: readonly string[],
  retired: readonly string[] = [],
): void {
  for (const name of Object.keys(options)) {
    if (valid.includes(name) || retired.includes(name)) continue;
    const near = closestName(name, valid);
    throw new TypeError(
      `${who}: unknown option \`${name}\`${near ? ` — did you mean \`${near}\`?` : '.'} Its options are ${valid.map((k) => `\`${k}\``).join(', ') || 'none'}.`,
    );
  }
}

/**
 * Whether `value` is a whole number from 1 to `max`: the one test of a count, a size or a
 * delay, for options and variables alike.
 *
 * @param value - anything.
 * @param max - the largest allowed. @default Number.MAX_SAFE_INTEGER
 * @returns true for `1`, `4194304`; false for `0`, `1.5`, `'5000'`, `NaN`, and above `max`.
 * @example
 * isPositiveInteger(5000, MAX_TIMER_MS); // true
 */
export function isPositiveInteger(
  value: unknown,
  max: number = Number.MAX_SAFE_INTEGER,
): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= max;
}
