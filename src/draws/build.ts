import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { fromHex, toHex } from './bytes.js';
import { revealMatches } from './commit-reveal.js';
import type { DrandChain } from './drand.js';
import { assertDrandRoundAfter, drandRandomness, findDrandChain, KNOWN_DRAND_CHAINS, verifyDrandSignature } from './drand.js';
import type { DrawOutcome, TicketBook } from './drawing.js';
import { runDraw } from './drawing.js';
import { outcomeRecords } from './replay.js';
import type { FrozenEntries } from './entries.js';
import { serializeLeaves } from './leaves-file.js';
import { entriesRoot } from './merkle.js';
import type { DrawAuditRecord, DrawCommitRecord } from './record.js';
import { AUDIT_RECORD_FORMAT, DrawCommitRecordSchema, LEAVES_FORMAT } from './record.js';
import { ALGORITHM, deriveSeed } from './seed.js';
import type { PrizeSpec } from './slots.js';
import { expandSlots } from './slots.js';

export interface CommitInput {
  drawId: string;
  /** SHA-256 (hex) of the published rules. */
  rulesHash: string;
  freezeTime: Date;
  commitTime: Date;
  prizes: readonly PrizeSpec[];
  reserves: number;
  maxWins: number;
  drand: { chainHash: string; round: number } | null;
  /** H(s) in hex, for an operator secret s revealed after the commit. */
  secretCommitment: string | null;
}

/** The commit record of section 2, written before the randomness exists. */
export function buildCommitRecord(input: CommitInput, entries: FrozenEntries, root: Uint8Array = entriesRoot(entries), chains: readonly DrandChain[] = KNOWN_DRAND_CHAINS): DrawCommitRecord {
  if (input.drand) {
    const chain = findDrandChain(input.drand.chainHash, chains);
    if (!chain) throw new ValidationError('drand_unknown_chain', `unknown drand chain ${input.drand.chainHash}`);
    assertDrandRoundAfter(chain, input.drand.round, input.commitTime.getTime());
  }
  const record = {
    algorithm: ALGORITHM,
    draw_id: input.drawId,
    rules_hash: input.rulesHash,
    freeze_time: input.freezeTime.toISOString(),
    commit_time: input.commitTime.toISOString(),
    entries: { n: entries.count, t: entries.total.toString(), root: toHex(root) },
    prizes: input.prizes.map((p) => ({ id: p.id, quantity: p.quantity })),
    reserves: input.reserves,
    max_wins: input.maxWins,
    randomness: {
      drand: input.drand ? { chain_hash: input.drand.chainHash, round: input.drand.round } : null,
      secret_commitment: input.secretCommitment,
    },
    leaves_format: LEAVES_FORMAT,
  };
  const parsed = DrawCommitRecordSchema.safeParse(record);
  if (!parsed.success) throw new ValidationError('invalid_draw_commit', parsed.error.issues[0]?.message ?? 'invalid commit record');
  return parsed.data;
}

export interface RevealInput {
  drand: { round: number; signature: string } | null;
  /** The operator secret s, revealed after the commit. */
  secret: Uint8Array | null;
}

export interface Randomness {
  drandR: Buffer;
  secret: Buffer;
  evidence: DrawAuditRecord['evidence'];
}

/** Checks the revealed randomness against the commit (sections 3 and 7) and returns R and s. */
export function checkRandomness(commit: DrawCommitRecord, reveal: RevealInput, chains: readonly DrandChain[] = KNOWN_DRAND_CHAINS): Randomness {
  let drandR: Buffer = Buffer.alloc(0);
  let drandEvidence: DrawAuditRecord['evidence']['drand'] = null;
  const committedDrand = commit.randomness.drand;
  if (committedDrand) {
    if (!reveal.drand) throw new ValidationError('drand_evidence_missing', 'the commit names a drand round but no round was given');
    const chain = findDrandChain(committedDrand.chain_hash, chains);
    if (!chain) throw new ValidationError('drand_unknown_chain', `unknown drand chain ${committedDrand.chain_hash}`);
    if (reveal.drand.round !== committedDrand.round) {
      throw new ValidationError('drand_round_mismatch', `the commit names round ${committedDrand.round}, the evidence is round ${reveal.drand.round}`);
    }
    assertDrandRoundAfter(chain, committedDrand.round, Date.parse(commit.commit_time));
    if (!verifyDrandSignature(chain, committedDrand.round, reveal.drand.signature)) {
      throw new ValidationError('drand_signature_invalid', `the signature of drand round ${committedDrand.round} does not verify against the ${chain.name} public key`);
    }
    drandR = drandRandomness(fromHex(reveal.drand.signature));
    drandEvidence = { chain_hash: chain.chainHash, round: committedDrand.round, signature: reveal.drand.signature, randomness: toHex(drandR) };
  } else if (reveal.drand) {
    throw new ValidationError('randomness_not_committed', 'drand evidence was given but the commit names no drand round');
  }
  let secret: Buffer = Buffer.alloc(0);
  if (commit.randomness.secret_commitment) {
    if (!reveal.secret) throw new ValidationError('secret_missing', 'the commit names H(s) but no secret was revealed');
    if (!revealMatches(reveal.secret, fromHex(commit.randomness.secret_commitment, 32))) {
      throw new ValidationError('secret_mismatch', 'the revealed secret does not hash to the committed H(s)');
    }
    secret = Buffer.from(reveal.secret);
  } else if (reveal.secret) {
    throw new ValidationError('randomness_not_committed', 'a secret was revealed but the commit names no H(s)');
  }
  return {
    drandR,
    secret,
    evidence: { drand: drandEvidence, secret: commit.randomness.secret_commitment ? toHex(secret) : null },
  };
}

/** Replays section 5 for a commit, its entries and a seed. */
export function drawForCommit(commit: DrawCommitRecord, book: TicketBook, seed: Uint8Array): DrawOutcome {
  return runDraw({ seed, book, slots: expandSlots(commit.prizes, commit.reserves), maxWins: commit.max_wins });
}

export function leavesSha256(entries: FrozenEntries): string {
  const h = createHash('sha256');
  for (const chunk of serializeLeaves(entries)) h.update(chunk);
  return h.digest('hex');
}

export interface DrawFilesInput {
  commit: DrawCommitRecord;
  entries: FrozenEntries;
  reveal: RevealInput;
  prevAuditHash: string | null;
  chains?: readonly DrandChain[];
  /** The leaves file hash when the caller already streamed it (saves a pass over 10 M lines). */
  leavesSha256?: string;
}

export interface DrawFiles {
  record: DrawAuditRecord;
  /** The leaves file, in chunks; call again for a fresh pass. */
  leaves: () => Generator<Buffer>;
}

/**
 * The two published files of a drawn draw: the audit record and the leaves file. Pure: the
 * caller (`laurel draw export`, the bench) writes them.
 */
export function buildDrawFiles(input: DrawFilesInput): DrawFiles {
  const { commit, entries } = input;
  if (BigInt(commit.entries.t) !== entries.total || commit.entries.n !== entries.count) {
    throw new ValidationError('draw_entries_mismatch', 'the entries are not the ones the commit record describes');
  }
  const randomness = checkRandomness(commit, input.reveal, input.chains);
  const seed = deriveSeed(commit.draw_id, fromHex(commit.entries.root, 32), randomness.drandR, randomness.secret);
  const outcome = drawForCommit(commit, entries, seed);
  const { steps, slots } = outcomeRecords(outcome, entries);
  const record: DrawAuditRecord = {
    format: AUDIT_RECORD_FORMAT,
    commit,
    evidence: randomness.evidence,
    seed: toHex(seed),
    steps,
    slots,
    exhausted_at_slot: outcome.exhaustedAtSlot,
    leaves: { format: LEAVES_FORMAT, sha256: input.leavesSha256 ?? leavesSha256(entries) },
    prev_audit_hash: input.prevAuditHash,
  };
  return { record, leaves: () => serializeLeaves(entries) };
}
