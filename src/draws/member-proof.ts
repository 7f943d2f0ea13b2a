import { ValidationError } from '../errors/index.js';
import { fromHex, toHex } from './bytes.js';
import type { FrozenEntries } from './entries.js';
import { PID_BYTES } from './entries.js';
import { entryInclusionProof, leafHash, verifyInclusion } from './merkle.js';
import type { DrawCommitRecord, MemberProof } from './record.js';
import { describeSchemaError, MEMBER_PROOF_FORMAT, MemberProofSchema } from './record.js';

/** Index of the entry with this pid (binary search over the sorted pids), or -1. */
export function findEntryIndex(entries: FrozenEntries, pid: Uint8Array): number {
  let lo = 0;
  let hi = entries.count - 1;
  const target = Buffer.from(pid);
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = Buffer.compare(entries.pids.subarray(mid * PID_BYTES, (mid + 1) * PID_BYTES), target);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** What a member gets to check their own entry against the published root. */
export function buildMemberProof(commit: DrawCommitRecord, entries: FrozenEntries, index: number): MemberProof {
  if (index < 0 || index >= entries.count) throw new ValidationError('invalid_proof_index', `no entry at index ${index}`);
  return {
    format: MEMBER_PROOF_FORMAT,
    draw_id: commit.draw_id,
    root: commit.entries.root,
    n: entries.count,
    index,
    pid: entries.pidHexAt(index),
    w: entries.weightAt(index).toString(),
    start: entries.startAt(index).toString(),
    path: entryInclusionProof(entries, index).map(toHex),
  };
}

export type MemberProofResult = { ok: true; proof: MemberProof } | { ok: false; code: string; message: string };

/** Checks a member's inclusion proof against a commit record's root and N. */
export function verifyMemberProof(proofJson: unknown, commit: DrawCommitRecord): MemberProofResult {
  const parsed = MemberProofSchema.safeParse(proofJson);
  if (!parsed.success) return { ok: false, code: 'member_proof_malformed', message: `the member proof is malformed: ${describeSchemaError(parsed.error)}` };
  const proof = parsed.data;
  if (proof.draw_id !== commit.draw_id) return { ok: false, code: 'member_proof_wrong_draw', message: `the proof is for draw ${proof.draw_id}, the record is ${commit.draw_id}` };
  if (proof.root !== commit.entries.root || proof.n !== commit.entries.n) {
    return { ok: false, code: 'member_proof_wrong_root', message: 'the proof names a different root or N than the record' };
  }
  const leaf = leafHash(fromHex(proof.pid, 32), BigInt(proof.w), BigInt(proof.start));
  const ok = verifyInclusion(leaf, proof.index, proof.n, proof.path.map((h) => fromHex(h, 32)), fromHex(proof.root, 32));
  if (!ok) return { ok: false, code: 'member_proof_invalid', message: `the inclusion proof for pid ${proof.pid} at index ${proof.index} does not lead to the root` };
  return { ok: true, proof };
}
