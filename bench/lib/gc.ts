// Garbage collections a measuring child asks for between batches, not counted in them; they
// do nothing unless node runs with `--expose-gc`.

/** A minor GC, so that the next batch starts with an empty young space. */
export function collectYoung(): void {
  (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc?.({ type: 'minor' });
}

/** A full GC: a major collection that an earlier batch's garbage made lands in no later figure. */
export function collectAll(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
