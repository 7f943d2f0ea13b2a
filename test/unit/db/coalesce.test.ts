import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../../../src/db/index.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createCoalescer', () => {
  it('sends requests of one event-loop turn together and answers each with its own result', async () => {
    const calls: number[][] = [];
    const double = createCoalescer(async (items: readonly number[]) => {
      calls.push([...items]);
      return items.map((n) => n * 2);
    });
    const results = await Promise.all([1, 2, 3].map((n) => double(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('keeps one call in flight: requests arriving meanwhile go out together in the next call', async () => {
    const gate = deferred<void>();
    const calls: number[][] = [];
    const echo = createCoalescer(async (items: readonly number[]) => {
      calls.push([...items]);
      if (calls.length === 1) await gate.promise;
      return items;
    });
    const first = echo(1);
    await new Promise((r) => setImmediate(r));
    const later = [2, 3, 4].map((n) => echo(n));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[1]]);
    gate.resolve();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('never puts two items with the same key in one call, and respects maxBatch', async () => {
    const calls: string[][] = [];
    const run = createCoalescer(
      async (items: readonly string[]) => {
        calls.push([...items]);
        return items.map((s) => s.toUpperCase());
      },
      { maxBatch: 2, key: (s) => s },
    );
    const results = await Promise.all(['a', 'a', 'b', 'c'].map((s) => run(s)));
    expect(results).toEqual(['A', 'A', 'B', 'C']);
    for (const call of calls) {
      expect(call.length).toBeLessThanOrEqual(2);
      expect(new Set(call).size).toBe(call.length);
    }
    expect(calls.flat().sort()).toEqual(['a', 'a', 'b', 'c']);
  });

  it('fails every item of a failed call, and the next call still runs', async () => {
    let fail = true;
    const run = createCoalescer(async (items: readonly number[]) => {
      if (fail) {
        fail = false;
        throw new Error('db down');
      }
      return items;
    });
    const failed = await Promise.allSettled([run(1), run(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await run(3)).toBe(3);
  });

  it('property: every request gets exactly its own answer, whatever the arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.nat(3)), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (requests, maxBatch) => {
        const run = createCoalescer(
          async (items: readonly number[]) => {
            await new Promise((r) => setImmediate(r));
            return items.map((n) => `r${n}`);
          },
          { maxBatch, key: (n) => String(n) },
        );
        const pending: Promise<string>[] = [];
        for (const [value, pause] of requests) {
          pending.push(run(value));
          for (let i = 0; i < pause; i++) await new Promise((r) => setImmediate(r));
        }
        expect(await Promise.all(pending)).toEqual(requests.map(([value]) => `r${value}`));
      }),
      { numRuns: 50 },
    );
  });
});
