import { createHash } from 'node:crypto';
import { LaurelError } from '../errors/index.js';
import { fromHex } from './bytes.js';
import { checkRandomness, drawForCommit, outcomeRecords } from './build.js';
import type { DrandChain } from './drand.js';
import { KNOWN_DRAND_CHAINS } from './drand.js';
import type { FrozenEntries } from './entries.js';
import { LeavesReader } from './leaves-file.js';
import type { DrawAuditRecord, DrawSlotRecord, DrawStepRecord } from './record.js';
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
  const replay = outcomeRecords(outcome, entries);
  const stepProblem = compareSteps(record.steps, replay.steps);
  if (stepProblem) return stepProblem;
  const slotProblem = compareSlots(record.slots, replay.slots);
  if (slotProblem) return slotProblem;
  if (record.exhausted_at_slot !== outcome.exhaustedAtSlot) {
    return fail('exhaustion_mismatch', `the record says slots are empty from ${String(record.exhausted_at_slot)}, the replay from ${String(outcome.exhaustedAtSlot)}`);
  }
  return { ok: true, summary: summarize(record, entries, replay.slots) };
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

function describeStep(s: DrawStepRecord): string {
  if (s.outcome === 'range') return `counter ${s.c} x=${s.x} rejected (range) for slot ${s.slot}`;
  const what = s.outcome === 'winner' ? 'wins' : 'rejected (max_wins)';
  return `counter ${s.c} x=${s.x} t=${String(s.t)} pid ${String(s.pid)} ${what} for slot ${s.slot}`;
}

function sameStep(a: DrawStepRecord, b: DrawStepRecord): boolean {
  return a.c === b.c && a.x === b.x && a.slot === b.slot && a.outcome === b.outcome && a.t === b.t && a.pid === b.pid;
}

function compareSteps(recorded: readonly DrawStepRecord[], replayed: readonly DrawStepRecord[]): VerifyResult | null {
  const n = Math.max(recorded.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const p = replayed[i];
    if (!r && p) return fail('step_missing', `step ${i}: the replay consumes ${describeStep(p)}, the record ends`);
    if (r && !p) return fail('step_extra', `step ${i}: the record lists ${describeStep(r)}, the replay had ended`);
    if (r && p && !sameStep(r, p)) return fail('step_mismatch', `step ${i}: the record says ${describeStep(r)}; the replay gives ${describeStep(p)}`);
  }
  return null;
}

function describeSlot(s: DrawSlotRecord): string {
  const label = s.kind === 'prize' ? `prize ${String(s.prize_id)}` : `reserve ${String(s.reserve_rank)}`;
  if (!s.winner) return `slot ${s.slot} (${label}) empty`;
  return `slot ${s.slot} (${label}) won by pid ${s.winner.pid} with t=${s.winner.t} at counter ${s.winner.c} (w=${s.winner.w}, start=${s.winner.start})`;
}

function sameSlot(a: DrawSlotRecord, b: DrawSlotRecord): boolean {
  if (a.slot !== b.slot || a.kind !== b.kind || a.prize_id !== b.prize_id || a.reserve_rank !== b.reserve_rank) return false;
  if (!a.winner || !b.winner) return a.winner === b.winner;
  const x = a.winner;
  const y = b.winner;
  return x.c === y.c && x.t === y.t && x.pid === y.pid && x.w === y.w && x.start === y.start;
}

function compareSlots(recorded: readonly DrawSlotRecord[], replayed: readonly DrawSlotRecord[]): VerifyResult | null {
  const n = Math.max(recorded.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const p = replayed[i];
    if (!r && p) return fail('slot_missing', `slot ${i}: the replay has ${describeSlot(p)}, the record ends`);
    if (r && !p) return fail('slot_extra', `slot ${i}: the record lists ${describeSlot(r)}, which the rules do not have`);
    if (r && p && !sameSlot(r, p)) {
      return fail('slot_mismatch', `the record says ${describeSlot(r)}; the replay gives ${describeSlot(p)}`);
    }
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
