import { createHash } from 'node:crypto';
import { LaurelError } from '../errors/index.js';
import { fromHex } from './bytes.js';
import { checkRandomness, drawForCommit } from './build.js';
import { compareReplay, outcomeRecords } from './replay.js';
import type { DrandChain } from './drand.js';
import { KNOWN_DRAND_CHAINS } from './drand.js';
import type { FrozenEntries } from './entries.js';
import { LeavesReader } from './leaves-file.js';
import type { DrawAuditRecord, DrawSlotRecord } from './record.js';
import { describeSchemaError, DrawAuditRecordSchema } from './record.js';
import { ALGORITHM, deriveSeed } from './seed.js';

export interface DrawSummary {
  drawId: string;
  n: number;
  t: string;
  root: string;
  seed: string;
  leavesSha256: string;
  countersUsed: number;
  winners: { slot: number; kind: 'prize' | 'reserve'; prizeId: string | null; reserveRank: number | null; pid: string; t: string }[];
  emptySlots: number;
}

export type VerifyResult = { ok: true; summary: DrawSummary } | { ok: false; code: string; message: string };

export interface VerifyOptions {
  chains?: readonly DrandChain[];
  /** Called every ~1 M lines with the lines and bytes read so far. */
  onProgress?: (lines: number, bytes: number) => void;
  /** Refuse records claiming more entries than this (memory guard: 36 bytes per entry). */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000_000;

function fail(code: string, message: string): VerifyResult {
  return { ok: false, code, message };
}

/**
 * Section 7 of DRAW-SPEC: everything is recomputed from the audit record and the leaves file
 * (uncompressed bytes) alone; the result is OK or the first point where they disagree.
 */
export async function verifyDraw(
  recordJson: unknown,
  leaves: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  if (typeof recordJson === 'object' && recordJson !== null && 'commit' in recordJson) {
    const algorithm = (recordJson.commit as { algorithm?: unknown } | null)?.algorithm;
    if (algorithm !== undefined && algorithm !== ALGORITHM) {
      return fail('unsupported_algorithm', `this verifier implements ${ALGORITHM}, the record uses ${String(algorithm)}`);
    }
  }
  const parsed = DrawAuditRecordSchema.safeParse(recordJson);
  if (!parsed.success) return fail('record_malformed', `the audit record is malformed: ${describeSchemaError(parsed.error)}`);
  const record = parsed.data;
  const { commit } = record;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (commit.entries.n > maxEntries) return fail('record_too_large', `N = ${commit.entries.n} exceeds this verifier's limit of ${maxEntries}`);

  // 1–2. Hash the file while parsing it; a structural problem is held until the hash is known.
  const fileHash = createHash('sha256');
  const reader = new LeavesReader(commit.entries.n);
  let bytes = 0;
  let nextProgress = 1_000_000;
  for await (const chunk of leaves) {
    fileHash.update(chunk);
    bytes += chunk.byteLength;
    reader.push(chunk);
    if (options.onProgress && reader.linesRead >= nextProgress) {
      options.onProgress(reader.linesRead, bytes);
      nextProgress += 1_000_000;
    }
  }
  const leavesHash = fileHash.digest('hex');
  if (leavesHash !== record.leaves.sha256) {
    return fail('leaves_hash_mismatch', `the leaves file hashes to ${leavesHash}, the record says ${record.leaves.sha256}`);
  }
  const read = reader.finish();
  if (!read) {
    const problem = reader.problem ?? { code: 'leaves_malformed', message: 'unreadable leaves file' };
    return fail(problem.code, problem.message);
  }
  const { entries, root } = read;

  // 3. N, T, root.
  if (entries.count !== commit.entries.n) return fail('entry_count_mismatch', `the leaves file has ${entries.count} entries, the record says N = ${commit.entries.n}`);
  if (entries.total.toString() !== commit.entries.t) return fail('ticket_total_mismatch', `the leaves file has T = ${entries.total}, the record says ${commit.entries.t}`);
  if (root.toString('hex') !== commit.entries.root) return fail('merkle_root_mismatch', `the leaves rebuild root ${root.toString('hex')}, the record commits to ${commit.entries.root}`);

  // 4. Randomness: H(s), the drand signature, R.
  let randomness;
  try {
    randomness = checkRandomness(
      commit,
      {
        drand: record.evidence.drand ? { round: record.evidence.drand.round, signature: record.evidence.drand.signature } : null,
        secret: record.evidence.secret === null ? null : fromHex(record.evidence.secret),
      },
      options.chains ?? KNOWN_DRAND_CHAINS,
    );
  } catch (err) {
    if (err instanceof LaurelError) return fail(err.code, err.message);
    throw err;
  }
  const evidenceProblem = compareEvidence(record, randomness.evidence);
  if (evidenceProblem) return evidenceProblem;

  // 5. Seed.
  const seed = deriveSeed(commit.draw_id, root, randomness.drandR, randomness.secret).toString('hex');
  if (seed !== record.seed) return fail('seed_mismatch', `the seed recomputes to ${seed}, the record says ${record.seed}`);

  // 6. Replay.
  let outcome;
  try {
    outcome = drawForCommit(commit, entries, Buffer.from(seed, 'hex'));
  } catch (err) {
    if (err instanceof LaurelError) return fail(err.code, err.message);
    throw err;
  }
  const mismatch = compareReplay(record, outcome, entries);
  if (mismatch) return mismatch;
  return { ok: true, summary: summarize(record, entries, outcomeRecords(outcome, entries).slots) };
}

function compareEvidence(record: DrawAuditRecord, expected: DrawAuditRecord['evidence']): VerifyResult | null {
  const got = record.evidence.drand;
  const want = expected.drand;
  if (got && want) {
    if (got.chain_hash !== want.chain_hash) return fail('drand_chain_mismatch', `the evidence is from chain ${got.chain_hash}, the commit names ${want.chain_hash}`);
    if (got.randomness !== want.randomness) return fail('drand_randomness_mismatch', `the round's randomness is SHA-256(signature) = ${want.randomness}, the record says ${got.randomness}`);
  }
  return null;
}

function summarize(record: DrawAuditRecord, entries: FrozenEntries, slots: readonly DrawSlotRecord[]): DrawSummary {
  return {
    drawId: record.commit.draw_id,
    n: entries.count,
    t: entries.total.toString(),
    root: record.commit.entries.root,
    seed: record.seed,
    leavesSha256: record.leaves.sha256,
    countersUsed: record.steps.length,
    winners: slots.flatMap((s) =>
      s.winner ? [{ slot: s.slot, kind: s.kind, prizeId: s.prize_id, reserveRank: s.reserve_rank, pid: s.winner.pid, t: s.winner.t }] : [],
    ),
    emptySlots: slots.filter((s) => !s.winner).length,
  };
}
