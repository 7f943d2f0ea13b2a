import { describe, expect, it } from 'vitest';
import { parallelPages } from '../../../src/ledger/sweeps.js';

/** The sweeps' page runner: every page once, in order found, never more than `concurrency` at a time. */
describe('parallelPages', () => {
  const ids = Array.from({ length: 23 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const finder = (size: number) => async (after: string) => ids.filter((id) => id > after).slice(0, size);

  it('runs every page once with at most `concurrency` in flight', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    await parallelPages(
      finder(5),
      async (page) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(...page);
        running -= 1;
      },
      2,
    );
    expect(seen.sort()).toEqual(ids);
    expect(peak).toBe(2);
  });

  it('stops finding pages after a failure, lets the pages in flight finish, and throws the failure', async () => {
    const done: string[][] = [];
    const found: string[] = [];
    const err = await parallelPages(
      async (after) => {
        const page = await finder(5)(after);
        found.push(page[0] ?? '');
        return page;
      },
      async (page) => {
        if (page[0] === 'm05') throw new Error('page failed');
        await new Promise((r) => setTimeout(r, 5));
        done.push(page);
      },
      2,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('page failed');
    expect(done[0]).toEqual(['m00', 'm01', 'm02', 'm03', 'm04']);
    expect(found.length).toBeLessThan(5);
  });
});
