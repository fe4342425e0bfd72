import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRing } from '../../../src/apps/inspector/ring.js';

const item = (id: number, bytes = 1) => ({ id, bytes });

describe('EventRing', () => {
  it('keeps the newest maxEvents items, newest first, and counts the evicted', () => {
    const ring = new EventRing<{ id: number; bytes: number }>({ maxEvents: 3, maxBytes: 1e9 });
    for (let id = 1; id <= 5; id += 1) ring.push(item(id));
    expect(ring.newestFirst().map((i) => i.id)).toEqual([5, 4, 3]);
    expect(ring.size).toBe(3);
    expect(ring.dropped).toBe(2);
  });

  it('evicts the oldest until the bytes fit, and keeps one item heavier than the bound alone', () => {
    const ring = new EventRing<{ id: number; bytes: number }>({ maxEvents: 10, maxBytes: 100 });
    ring.push(item(1, 40));
    ring.push(item(2, 40));
    ring.push(item(3, 40));
    expect(ring.newestFirst().map((i) => i.id)).toEqual([3, 2]);
    expect(ring.bytes).toBe(80);
    ring.push(item(4, 500));
    expect(ring.newestFirst().map((i) => i.id)).toEqual([4]);
    expect(ring.bytes).toBe(500);
  });

  it('empties on clear', () => {
    const ring = new EventRing<{ id: number; bytes: number }>({ maxEvents: 2, maxBytes: 10 });
    ring.push(item(1));
    ring.clear();
    expect([ring.size, ring.bytes, ring.dropped, ring.newestFirst().length]).toEqual([0, 0, 0, 0]);
  });

  it('always holds the longest newest suffix that fits both bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 60 }),
        (maxEvents, maxBytes, sizes) => {
          const ring = new EventRing<{ id: number; bytes: number }>({ maxEvents, maxBytes });
          for (const [id, bytes] of sizes.entries()) ring.push({ id, bytes });
          // Model: walk back from the newest while both bounds hold (the newest is always kept).
          const expected: number[] = [];
          let total = 0;
          for (let id = sizes.length - 1; id >= 0; id -= 1) {
            const bytes = sizes[id] ?? 0;
            if (expected.length === maxEvents || (expected.length > 0 && total + bytes > maxBytes))
              break;
            expected.push(id);
            total += bytes;
          }
          expect(ring.newestFirst().map((i) => i.id)).toEqual(expected);
          expect(ring.bytes).toBe(total);
        },
      ),
    );
  });
});
