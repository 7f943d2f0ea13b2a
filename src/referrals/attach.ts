import { randomInt } from 'node:crypto';
import type { Pool, PoolClient } from '../db/index.js';
import { LaurelError } from '../errors/index.js';
import type { ProgramDefinition } from '../program/index.js';

/** Unambiguous characters (no 0/O, 1/I/L): codes are read aloud and typed on phones. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

export type ReferralStatus = 'pending' | 'qualified' | 'rewarded' | 'rejected' | 'expired';
export const REJECTION_REASONS = ['self_referral', 'referee_existed', 'purchase_refunded', 'referrer_monthly_cap', 'member_erased'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** The member's referral code, created on first ask (random; a collision draws again). */
export async function referralCodeOf(db: Pool | PoolClient, memberId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const { rows } = await db.query<{ code: string }>(
      `WITH mine AS (SELECT code FROM referral_codes WHERE member_id = $1),
            added AS (INSERT INTO referral_codes (code, member_id) SELECT $2, $1 WHERE NOT EXISTS (SELECT 1 FROM mine) ON CONFLICT DO NOTHING RETURNING code)
       SELECT code FROM mine UNION ALL SELECT code FROM added`,
      [memberId, newCode()],
    );
    if (rows[0]) return rows[0].code;
  }
  throw new Error(`could not draw a free referral code for ${memberId}`);
}

export interface AttachOutcome {
  referrerId: string;
  status: 'pending' | 'rejected';
  reason: RejectionReason | null;
}

/**
 * Attaches a new member to the owner of `code`, in the member-creation transaction. Fraud checks
 * at sign-up, each recorded as a rejection rather than refused (the brand's sign-up goes on; the
 * report counts them): the referrer referring themselves (same member, or the same e-mail or phone
 * after normalisation: lower case, no +tag, no dots at Gmail; digits of the phone), and a referee
 * that already existed (an update of an existing member, or another member with the same e-mail or
 * phone). An unknown code is refused (422 `unknown_referral_code`): the caller can tell the person.
 */
export async function attachReferral(
  client: PoolClient,
  input: { refereeId: string; code: string; created: boolean; program: ProgramDefinition; now: Date },
): Promise<AttachOutcome> {
  if (!input.program.referrals) throw new LaurelError('referrals_disabled', 'the program has no referral program (program.referrals)', { status: 422 });
  const code = input.code.trim().toUpperCase();
  const { rows } = await client.query<{ referrer_id: string; self: boolean; twin: boolean }>(
    `SELECT c.member_id AS referrer_id,
            (c.member_id = me.id
              OR laurel_normal_email(me.email) = laurel_normal_email(r.email)
              OR laurel_normal_phone(me.phone) = laurel_normal_phone(r.phone)) IS TRUE AS self,
            EXISTS (SELECT 1 FROM members o
                     WHERE o.id <> me.id AND o.id <> c.member_id AND o.erased_at IS NULL AND o.created_at < me.created_at
                       AND (laurel_normal_email(o.email) = laurel_normal_email(me.email) OR laurel_normal_phone(o.phone) = laurel_normal_phone(me.phone))) AS twin
       FROM referral_codes c JOIN members r ON r.id = c.member_id JOIN members me ON me.id = $2
      WHERE c.code = $1`,
    [code, input.refereeId],
  );
  const found = rows[0];
  if (!found) throw new LaurelError('unknown_referral_code', `no member has the referral code ${code}`, { status: 422, details: { referralCode: code } });
  const reason: RejectionReason | null = found.self ? 'self_referral' : !input.created || found.twin ? 'referee_existed' : null;
  const live = await client.query<{ referrer_id: string }>(`SELECT referrer_id FROM referrals WHERE referee_id = $1 AND status <> 'rejected'`, [input.refereeId]);
  // A member is referred once: a later code on an existing member is another attempt, rejected.
  const status = reason === null && live.rowCount === 0 ? 'pending' : 'rejected';
  const why = status === 'rejected' ? (reason ?? 'referee_existed') : null;
  await client.query(
    `INSERT INTO referrals (referrer_id, referee_id, code, status, reject_reason, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (referrer_id, referee_id) DO NOTHING`,
    [found.referrer_id, input.refereeId, code, status, why, input.now],
  );
  return { referrerId: found.referrer_id, status, reason: why };
}
