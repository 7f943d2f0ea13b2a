import { readFileSync } from 'node:fs';
import type { DrawAuditRecord, FrozenEntries, PrizeSpec } from '../../../src/draws/index.js';
import { buildCommitRecord, buildDrawFiles, entriesRoot, QUICKNET, secretCommitment, serializeLeaves } from '../../../src/draws/index.js';

export const DRAND_FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/draws/drand-quicknet-round.json', import.meta.url), 'utf8')) as {
  chain_hash: string;
  public_key: string;
  round: number;
  signature: string;
  randomness: string;
  round_time_unix: number;
};

/** A commit time 6 s before the fixture round was published. */
export const COMMIT_TIME = new Date((DRAND_FIXTURE.round_time_unix - 6) * 1000);

export interface TestDraw {
  record: DrawAuditRecord;
  leaves: Buffer;
  entries: FrozenEntries;
}

/** Builds a complete published draw in memory (record + leaves bytes). */
export function makeDraw(
  entries: FrozenEntries,
  opts: { drawId?: string; prizes?: PrizeSpec[]; reserves?: number; maxWins?: number; drand?: boolean; secret?: Buffer | null } = {},
): TestDraw {
  const secret = opts.secret === undefined ? Buffer.from('operator secret', 'utf8') : opts.secret;
  const useDrand = opts.drand ?? true;
  const commit = buildCommitRecord(
    {
      drawId: opts.drawId ?? 'draw-test',
      rulesHash: 'ab'.repeat(32),
      freezeTime: new Date(COMMIT_TIME.getTime() - 60_000),
      commitTime: COMMIT_TIME,
      prizes: opts.prizes ?? [{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 2 }],
      reserves: opts.reserves ?? 1,
      maxWins: opts.maxWins ?? 1,
      drand: useDrand ? { chainHash: QUICKNET.chainHash, round: DRAND_FIXTURE.round } : null,
      secretCommitment: secret ? secretCommitment(secret).toString('hex') : null,
    },
    entries,
    entriesRoot(entries),
  );
  const files = buildDrawFiles({
    commit,
    entries,
    reveal: { drand: useDrand ? { round: DRAND_FIXTURE.round, signature: DRAND_FIXTURE.signature } : null, secret },
    prevAuditHash: null,
  });
  return { record: files.record, leaves: Buffer.concat([...serializeLeaves(entries)]), entries };
}

export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
