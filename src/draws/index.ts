// Front door of the prize-draw core (LAUREL-DRAW-v1, see /work/shared/DRAW-SPEC.md).
export { TWO_POW_64, U64_MAX, u32be, u64be, lp, utf8, fromHex, toHex } from './bytes.js';
export { derivePid, PidDeriver } from './pid.js';
export type { EntryInput } from './entries.js';
export { FrozenEntries, PID_BYTES, freezeEntries, freezeEntriesIndexed, freezePidEntries, sortByPid } from './entries.js';
export {
  EMPTY_TREE_ROOT,
  leafHash,
  nodeHash,
  splitPoint,
  MerkleAccumulator,
  fastLeafHash,
  entryLeafHash,
  entriesRoot,
  entriesRangeRoot,
  entryInclusionProof,
  inclusionProof,
  merkleRoot,
  verifyInclusion,
} from './merkle.js';
export { ALGORITHM, deriveSeed } from './seed.js';
export { word, WordSource } from './words.js';
export type { PrizeSpec, Slot } from './slots.js';
export { expandSlots } from './slots.js';
export type { TicketBook, StepOutcome, DrawStep, SlotOutcome, DrawOutcome, RunDrawInput } from './drawing.js';
export { rejectionLimit, runDraw } from './drawing.js';
export type { DrandChain } from './drand.js';
export {
  QUICKNET,
  KNOWN_DRAND_CHAINS,
  findDrandChain,
  drandRoundTime,
  drandRoundAt,
  drandFirstRoundAfter,
  assertDrandRoundAfter,
  drandRandomness,
  verifyDrandSignature,
} from './drand.js';
export { secretCommitment, revealMatches } from './commit-reveal.js';
export type { DrawCommitRecord, DrawAuditRecord, DrawStepRecord, DrawSlotRecord, MemberProof } from './record.js';
export {
  LEAVES_FORMAT,
  AUDIT_RECORD_FORMAT,
  MEMBER_PROOF_FORMAT,
  DrawCommitRecordSchema,
  DrawAuditRecordSchema,
  MemberProofSchema,
} from './record.js';
export type { LeavesProblem } from './leaves-file.js';
export { serializeLeaves, LeavesReader } from './leaves-file.js';
export type { CommitInput, RevealInput, DrawFilesInput, DrawFiles } from './build.js';
export { buildCommitRecord, checkRandomness, buildDrawFiles, leavesSha256, drawForCommit } from './build.js';
export type { EntryLookup, ReplayMismatch } from './replay.js';
export { outcomeRecords, compareReplay } from './replay.js';
export { drawLoop, type DrawLoopInput } from './draw-loop.js';
export type { DrawSummary, VerifyResult, VerifyOptions } from './verify.js';
export { verifyDraw } from './verify.js';
export type { MemberProofResult } from './member-proof.js';
export { findEntryIndex, buildMemberProof, verifyMemberProof } from './member-proof.js';
export { openLeavesStream, readJsonFile, writeLeavesFile, writeDrawFiles } from './files.js';
export type { AuditLogEntry, AuditChainResult } from './audit-log.js';
export { canonicalJson, sha256Hex, auditEntryHash, nextAuditEntry, verifyAuditChain } from './audit-log.js';
export { DrawWorkerPool, freezeEntriesParallel, entriesRootParallel } from './parallel.js';
