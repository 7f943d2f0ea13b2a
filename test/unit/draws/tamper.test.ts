import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrawAuditRecord } from '../../../src/draws/index.js';
import { checkRandomness, freezeEntries, openLeavesStream, secretCommitment, verifyDraw } from '../../../src/draws/index.js';
import type { TestDraw } from './helpers.js';
import { clone, makeDraw } from './helpers.js';

const members = Array.from({ length: 50 }, (_, i) => ({ memberId: `member-${i}`, weight: (i % 7) + 1 }));
const entries = freezeEntries(Buffer.alloc(32, 9), members);

let draw: TestDraw;
beforeAll(() => {
  draw = makeDraw(entries, { prizes: [{ id: 'gold', quantity: 2 }, { id: 'silver', quantity: 3 }], reserves: 2, maxWins: 1 });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const lines = (b: Buffer) => b.toString('latin1').split('\n').slice(0, -1);
const joinLines = (ls: string[]) => Buffer.from(ls.map((l) => `${l}\n`).join(''), 'latin1');

/** The record with its leaves hash updated to the given file: what a forger who rewrote both would publish. */
function withLeavesHash(record: DrawAuditRecord, leaves: Buffer): DrawAuditRecord {
  const r = clone(record);
  r.leaves.sha256 = sha(leaves);
  return r;
}

async function expectFailure(record: unknown, leaves: Buffer | Buffer[], code: string): Promise<string> {
  const result = await verifyDraw(record, Array.isArray(leaves) ? leaves : [leaves]);
  expect(result).toMatchObject({ ok: false, code });
  return result.ok ? '' : result.message;
}

describe('verifyDraw on an honest draw', () => {
  it('is OK, from one buffer or from many small chunks', async () => {
    const result = await verifyDraw(draw.record, [draw.leaves]);
    expect(result.ok).toBe(true);
    const chunks: Buffer[] = [];
    for (let i = 0; i < draw.leaves.length; i += 7) chunks.push(draw.leaves.subarray(i, i + 7));
    expect((await verifyDraw(draw.record, chunks)).ok).toBe(true);
    if (result.ok) {
      expect(result.summary.n).toBe(50);
      expect(result.summary.winners).toHaveLength(7);
    }
  });

  it('reads a .ndjson.gz copy (the hash is over the uncompressed bytes)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'laurel-draw-'));
    try {
      const path = join(dir, 'leaves.ndjson.gz');
      await writeFile(path, gzipSync(draw.leaves));
      expect((await verifyDraw(draw.record, openLeavesStream(path))).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('verifyDraw reports the first mismatch', () => {
  it('a wrong leaves-file hash', async () => {
    const r = clone(draw.record);
    r.leaves.sha256 = 'ff'.repeat(32);
    await expectFailure(r, draw.leaves, 'leaves_hash_mismatch');
  });

  it('a changed leaf: the file hash first, then the root once the hash is forged too', async () => {
    const ls = lines(draw.leaves);
    // Bump the last hex digit of a pid while keeping the order strict.
    const i = ls.findIndex((l, j) => j > 0 && j < ls.length - 1 && !l.slice(8, 72).endsWith('f'));
    const pid = ls[i]!.slice(8, 72);
    const bumped = pid.slice(0, 63) + (parseInt(pid[63]!, 16) + 1).toString(16);
    expect(bumped > ls[i - 1]!.slice(8, 72) && bumped < ls[i + 1]!.slice(8, 72)).toBe(true);
    ls[i] = ls[i]!.replace(pid, bumped);
    const tampered = joinLines(ls);
    await expectFailure(draw.record, tampered, 'leaves_hash_mismatch');
    const message = await expectFailure(withLeavesHash(draw.record, tampered), tampered, 'merkle_root_mismatch');
    expect(message).toContain(draw.record.commit.entries.root);
  });

  it('a changed weight breaks the blocks at the next line', async () => {
    const ls = lines(draw.leaves);
    ls[10] = ls[10]!.replace(/"w":"(\d+)"/, (_m, w: string) => `"w":"${Number(w) + 1}"`);
    const tampered = joinLines(ls);
    const message = await expectFailure(withLeavesHash(draw.record, tampered), tampered, 'leaves_blocks_not_contiguous');
    expect(message).toMatch(/^line 12:/);
  });

  it('reordered leaves', async () => {
    const ls = lines(draw.leaves);
    [ls[3], ls[4]] = [ls[4]!, ls[3]!];
    const swapped = joinLines(ls);
    expect(await expectFailure(withLeavesHash(draw.record, swapped), swapped, 'leaves_blocks_not_contiguous')).toMatch(/^line 4:/);
    // A forger who also renumbers the blocks is caught by the pid order.
    let start = 0n;
    const renumbered = joinLines(
      ls.map((l) => {
        const w = BigInt(/"w":"(\d+)"/.exec(l)![1]!);
        const line = l.replace(/"start":"\d+"/, `"start":"${start}"`);
        start += w;
        return line;
      }),
    );
    expect(await expectFailure(withLeavesHash(draw.record, renumbered), renumbered, 'leaves_unsorted')).toMatch(/^line 5:/);
  });

  it('a removed leaf', async () => {
    const ls = lines(draw.leaves);
    ls.splice(20, 1);
    const tampered = joinLines(ls);
    await expectFailure(withLeavesHash(draw.record, tampered), tampered, 'leaves_blocks_not_contiguous');
    const last = joinLines(lines(draw.leaves).slice(0, -1));
    await expectFailure(withLeavesHash(draw.record, last), last, 'entry_count_mismatch');
  });

  it('a non-canonical line', async () => {
    for (const edit of [
      (l: string) => l.replace('"w":"', '"w":"0'),
      (l: string) => l.toUpperCase(),
      (l: string) => l.replace(',', ', '),
      (l: string) => `${l} `,
    ]) {
      const ls = lines(draw.leaves);
      ls[0] = edit(ls[0]!);
      const tampered = joinLines(ls);
      await expectFailure(withLeavesHash(draw.record, tampered), tampered, 'leaves_malformed');
    }
    const unterminated = draw.leaves.subarray(0, draw.leaves.length - 1);
    await expectFailure(withLeavesHash(draw.record, unterminated), unterminated, 'leaves_malformed');
  });

  it('a record claiming fewer entries than the file has', async () => {
    const r = clone(draw.record);
    r.commit.entries.n = 49;
    await expectFailure(r, draw.leaves, 'leaves_too_many');
  });

  it('an edited, removed or added step', async () => {
    const edited = clone(draw.record);
    edited.steps[2]!.x = String(BigInt(edited.steps[2]!.x) + 1n);
    expect(await expectFailure(edited, draw.leaves, 'step_mismatch')).toMatch(/^step 2:/);

    const removed = clone(draw.record);
    removed.steps.splice(1, 1);
    await expectFailure(removed, draw.leaves, 'step_mismatch');

    const truncated = clone(draw.record);
    truncated.steps.pop();
    await expectFailure(truncated, draw.leaves, 'step_missing');

    const added = clone(draw.record);
    added.steps.push({ ...added.steps[0]!, c: 999 });
    await expectFailure(added, draw.leaves, 'step_extra');

    // The pre-increment convention (c = the argument of word(c)) is not LAUREL-DRAW-v1.
    const preIncrement = clone(draw.record);
    for (const step of preIncrement.steps) step.c -= 1;
    await expectFailure(preIncrement, draw.leaves, 'record_malformed');
    const oneShifted = clone(draw.record);
    oneShifted.steps[1]!.c -= 1;
    expect(await expectFailure(oneShifted, draw.leaves, 'step_mismatch')).toMatch(/^step 1:/);

    const relabelled = clone(draw.record);
    const s = relabelled.steps.find((x) => x.outcome === 'winner')!;
    s.outcome = 'max_wins';
    await expectFailure(relabelled, draw.leaves, 'step_mismatch');
  });

  it('an edited winner or exhaustion flag', async () => {
    const r = clone(draw.record);
    const other = lines(draw.leaves)[0]!.slice(8, 72);
    const slot = r.slots.find((s) => s.winner && s.winner.pid !== other)!;
    slot.winner!.pid = other;
    await expectFailure(r, draw.leaves, 'slot_mismatch');

    const w = clone(draw.record);
    w.slots[0]!.winner!.w = String(BigInt(w.slots[0]!.winner!.w) + 1n);
    await expectFailure(w, draw.leaves, 'slot_mismatch');

    const x = clone(draw.record);
    x.exhausted_at_slot = 3;
    await expectFailure(x, draw.leaves, 'exhaustion_mismatch');
  });

  it('a different randomness changes the winners', () => {
    const other = makeDraw(entries, { prizes: [{ id: 'gold', quantity: 2 }, { id: 'silver', quantity: 3 }], reserves: 2, secret: Buffer.from('another secret') });
    expect(other.record.seed).not.toBe(draw.record.seed);
    expect(other.record.slots.map((s) => s.winner?.pid)).not.toEqual(draw.record.slots.map((s) => s.winner?.pid));
  });

  it('a revealed secret that does not hash to the commitment', async () => {
    expect(() => checkRandomness(draw.record.commit, { drand: null, secret: Buffer.from('guess') })).toThrow(
      expect.objectContaining({ code: 'drand_evidence_missing' }),
    );
    const r = clone(draw.record);
    r.evidence.secret = Buffer.from('not the secret').toString('hex');
    await expectFailure(r, draw.leaves, 'secret_mismatch');
    const noSecret = clone(draw.record);
    noSecret.evidence.secret = null;
    await expectFailure(noSecret, draw.leaves, 'secret_missing');
  });

  it('the commit-reveal path alone rejects a wrong secret', () => {
    const secretOnly = makeDraw(entries, { drand: false, secret: Buffer.from('only secret') });
    expect(secretOnly.record.commit.randomness.secret_commitment).toBe(secretCommitment(Buffer.from('only secret')).toString('hex'));
    expect(() => checkRandomness(secretOnly.record.commit, { drand: null, secret: Buffer.from('only secreT') })).toThrow(
      expect.objectContaining({ code: 'secret_mismatch' }),
    );
  });

  it('a tampered drand signature, randomness, round or seed', async () => {
    const sig = clone(draw.record);
    const bytes = Buffer.from(sig.evidence.drand!.signature, 'hex');
    bytes[5]! ^= 0x10;
    sig.evidence.drand!.signature = bytes.toString('hex');
    await expectFailure(sig, draw.leaves, 'drand_signature_invalid');

    const rnd = clone(draw.record);
    rnd.evidence.drand!.randomness = '00'.repeat(32);
    await expectFailure(rnd, draw.leaves, 'drand_randomness_mismatch');

    const round = clone(draw.record);
    round.evidence.drand!.round += 1;
    await expectFailure(round, draw.leaves, 'drand_round_mismatch');

    const late = clone(draw.record);
    late.commit.commit_time = new Date(Date.parse(late.commit.commit_time) + 60_000).toISOString();
    await expectFailure(late, draw.leaves, 'drand_round_in_past');

    const seed = clone(draw.record);
    seed.seed = '11'.repeat(32);
    await expectFailure(seed, draw.leaves, 'seed_mismatch');
  });

  it('a malformed record or another algorithm', async () => {
    await expectFailure({ hello: 'world' }, draw.leaves, 'record_malformed');
    const extra = clone(draw.record) as unknown as Record<string, unknown>;
    extra.note = 'trust me';
    await expectFailure(extra, draw.leaves, 'record_malformed');
    const v2 = clone(draw.record) as unknown as { commit: { algorithm: string } };
    v2.commit.algorithm = 'LAUREL-DRAW-v2';
    await expectFailure(v2, draw.leaves, 'unsupported_algorithm');
  });
});

afterAll(() => undefined);

describe('leaves file serialization', () => {
  it('writes exactly the canonical line format, for small and u64-sized values', async () => {
    const { freezePidEntries, serializeLeaves } = await import('../../../src/draws/index.js');
    for (const weights of [[1n, 22n, 333n], [2n ** 63n, 2n ** 62n + 7n, 1n]]) {
      const e = freezePidEntries(weights.map((w, i) => ({ pid: Buffer.alloc(32, i * 17 + 1), weight: w })));
      const expected = Array.from({ length: e.count }, (_, i) => `{"pid":"${e.pidHexAt(i)}","w":"${e.weightAt(i)}","start":"${e.startAt(i)}"}\n`).join('');
      expect(Buffer.concat([...serializeLeaves(e, 2)]).toString('latin1')).toBe(expected);
    }
  });
});
