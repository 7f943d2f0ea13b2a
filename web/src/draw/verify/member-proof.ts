import { describeSchemaError, MemberProofSchema, type MemberProof } from '../../../../src/draws/record.js';
import { hexToBytes } from './bytes.js';
import { leafHash, verifyInclusion } from './merkle.js';

export type MemberProofCheck = { ok: true; proof: MemberProof } | { ok: false; code: string; message: string };

/** A member's inclusion proof checked against the published commit (root and N), in the browser. */
export async function checkMemberProof(proofJson: unknown, commit: { draw_id: string; entries: { n: number; root: string } }): Promise<MemberProofCheck> {
  const parsed = MemberProofSchema.safeParse(proofJson);
  if (!parsed.success) return { ok: false, code: 'member_proof_malformed', message: `the member proof is malformed: ${describeSchemaError(parsed.error)}` };
  const proof = parsed.data;
  if (proof.draw_id !== commit.draw_id) return { ok: false, code: 'member_proof_wrong_draw', message: `the proof is for draw ${proof.draw_id}, the record is ${commit.draw_id}` };
  if (proof.root !== commit.entries.root || proof.n !== commit.entries.n) return { ok: false, code: 'member_proof_wrong_root', message: 'the proof names a different root or N than the record' };
  const leaf = await leafHash(hexToBytes(proof.pid), BigInt(proof.w), BigInt(proof.start));
  const ok = await verifyInclusion(leaf, proof.index, proof.n, proof.path.map(hexToBytes), hexToBytes(proof.root));
  if (!ok) return { ok: false, code: 'member_proof_invalid', message: `the inclusion proof for pid ${proof.pid} at index ${proof.index} does not lead to the root` };
  return { ok: true, proof };
}
