import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrawWorkerPool, entriesRoot, entriesRootParallel, freezeEntriesIndexed, freezeEntriesParallel, type EntryInput } from '../../../src/draws/index.js';

function members(n: number): EntryInput[] {
  const ids = ['Zoë', 'محمد', '🦊-fox', '東京都', 'e\u0301'];
  return Array.from({ length: n }, (_, i) => ({ memberId: i < ids.length ? ids[i]! : `member-${i}`, weight: i % 7 === 3 ? 0 : (i * 2654435761) % 97 }));
}

describe('freeze and Merkle root over worker threads', () => {
  let pool: DrawWorkerPool;
  beforeAll(() => {
    pool = new DrawWorkerPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  const key = Buffer.from('draw key for the parallel test', 'utf8');

  for (const n of [0, 1, 2, 5, 1000, 200_000]) {
    it(`gives the same entries, sources and root as the sequential path for ${n} members`, async () => {
      const input = members(n);
      const sequential = freezeEntriesIndexed(key, input, n);
      const parallel = await freezeEntriesParallel(pool, key, input, 16);
      expect(parallel.entries.count).toBe(sequential.entries.count);
      expect(parallel.entries.total).toBe(sequential.entries.total);
      expect(Buffer.compare(parallel.entries.pids.subarray(0, n * 32), sequential.entries.pids.subarray(0, n * 32))).toBe(0);
      expect(Array.from(parallel.entries.starts)).toEqual(Array.from(sequential.entries.starts.subarray(0, sequential.entries.count)));
      expect(Array.from(parallel.source)).toEqual(Array.from(sequential.source));
      const root = entriesRoot(sequential.entries).toString('hex');
      expect((await entriesRootParallel(pool, parallel.entries)).toString('hex')).toBe(root);
      expect((await entriesRootParallel(pool, sequential.entries)).toString('hex')).toBe(root);
    }, 60_000);
  }
});
