import { z } from 'zod';
import { U64_MAX } from './bytes.js';
import { ALGORITHM } from './algorithm.js';

/**
 * The JSON files a draw publishes. All byte strings are lower-case hex; u64 values (T, tickets,
 * words, weights, starts) are decimal strings so no JSON parser rounds them; counters, N, rounds
 * and slot numbers are JSON integers.
 */

/**
 * Leaves file format `laurel-leaves-ndjson-v1`: one line per entry in pid order, exactly
 *   {"pid":"<64 lower-case hex>","w":"<decimal>","start":"<decimal>"}\n
 * with the keys in that order, no whitespace, decimals without leading zeros, and every line
 * (the last one too) ending in "\n". The published SHA-256 is over these uncompressed bytes, so
 * a `.ndjson.gz` copy verifies against the same hash.
 */
export const LEAVES_FORMAT = 'laurel-leaves-ndjson-v1';
export const AUDIT_RECORD_FORMAT = 'laurel-draw-audit-v1';
export const MEMBER_PROOF_FORMAT = 'laurel-draw-inclusion-v1';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes of lower-case hex');
const hexBytes = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'expected lower-case hex');
const u64 = z
  .string()
  .regex(/^(?:0|[1-9][0-9]*)$/, 'expected a decimal integer string')
  .refine((s) => BigInt(s) <= U64_MAX, 'exceeds 2^64 - 1');
const count = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });

export const DrandCommitSchema = z.strictObject({
  chain_hash: hex32,
  round: z.number().int().positive(),
});

export const DrawCommitRecordSchema = z
  .strictObject({
    algorithm: z.literal(ALGORITHM),
    draw_id: z.string().min(1),
    rules_hash: hex32,
    freeze_time: instant,
    commit_time: instant,
    entries: z.strictObject({ n: count, t: u64, root: hex32 }),
    prizes: z.array(z.strictObject({ id: z.string().min(1), quantity: z.number().int().positive() })),
    reserves: count,
    max_wins: z.number().int().positive(),
    randomness: z.strictObject({
      drand: DrandCommitSchema.nullable(),
      secret_commitment: hex32.nullable(),
    }),
    leaves_format: z.literal(LEAVES_FORMAT),
  })
  .refine((r) => r.randomness.drand !== null || r.randomness.secret_commitment !== null, {
    message: 'a draw needs a drand round, an operator secret commitment, or both',
    path: ['randomness'],
  });
export type DrawCommitRecord = z.infer<typeof DrawCommitRecordSchema>;

export const DrawStepRecordSchema = z.strictObject({
  /**
   * The counter after consuming this step's word (DRAW-SPEC §5: "x = word(c), c = c + 1", then
   * record c): word(c − 1) was used, so the first step of a draw has c = 1 and x = word(0).
   */
  c: z.number().int().positive(),
  x: u64,
  slot: count,
  outcome: z.enum(['winner', 'range', 'max_wins']),
  /** Ticket x mod T; null for a "range" rejection. */
  t: u64.nullable(),
  /** pid of the ticket's owner; null for a "range" rejection. */
  pid: hex32.nullable(),
});
export type DrawStepRecord = z.infer<typeof DrawStepRecordSchema>;

export const DrawSlotRecordSchema = z.strictObject({
  slot: count,
  kind: z.enum(['prize', 'reserve']),
  prize_id: z.string().nullable(),
  reserve_rank: z.number().int().positive().nullable(),
  /** null when the slot stayed empty because no entry could still win. */
  winner: z
    /** c: the counter after consuming the winning word (word(c − 1) was used), as in the steps. */
    .strictObject({ c: z.number().int().positive(), t: u64, pid: hex32, w: u64, start: u64 })
    .nullable(),
});
export type DrawSlotRecord = z.infer<typeof DrawSlotRecordSchema>;

export const DrawAuditRecordSchema = z.strictObject({
  format: z.literal(AUDIT_RECORD_FORMAT),
  commit: DrawCommitRecordSchema,
  evidence: z.strictObject({
    drand: z
      .strictObject({
        chain_hash: hex32,
        round: z.number().int().positive(),
        signature: z.string().regex(/^[0-9a-f]{96}$/, 'expected a 48-byte G1 signature in hex'),
        randomness: hex32,
      })
      .nullable(),
    secret: hexBytes.nullable(),
  }),
  seed: hex32,
  steps: z.array(DrawStepRecordSchema),
  slots: z.array(DrawSlotRecordSchema),
  /** The first slot left empty because every entry was at max_wins; null when all were filled. */
  exhausted_at_slot: count.nullable(),
  leaves: z.strictObject({ format: z.literal(LEAVES_FORMAT), sha256: hex32 }),
  /** Hash of the previous entry of this draw's append-only audit log. */
  prev_audit_hash: hex32.nullable(),
});
export type DrawAuditRecord = z.infer<typeof DrawAuditRecordSchema>;

export const MemberProofSchema = z.strictObject({
  format: z.literal(MEMBER_PROOF_FORMAT),
  draw_id: z.string().min(1),
  root: hex32,
  n: count,
  index: count,
  pid: hex32,
  w: u64,
  start: u64,
  /** RFC 6962 audit path, siblings from the leaf level up. */
  path: z.array(hex32),
});
export type MemberProof = z.infer<typeof MemberProofSchema>;

/** One line naming the first schema problem, for verification reports. */
export function describeSchemaError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid record';
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${where}: ${issue.message}`;
}
