import type { Pool } from '../db/index.js';
import type { ReferralStatus, RejectionReason } from './attach.js';

export interface ReferralView {
  referrerId: string;
  refereeId: string;
  code: string;
  status: ReferralStatus;
  rejectReason: RejectionReason | null;
  qualifyingOrderId: string | null;
  qualifyingAmount: number | null;
  qualifiedAt: string | null;
  rewardableAt: string | null;
  rewardedAt: string | null;
  reversedAt: string | null;
  reversedPoints: number | null;
  unrecoveredPoints: number | null;
  createdAt: string;
}

export interface ReferralFilter {
  status?: ReferralStatus | undefined;
  rejectReason?: RejectionReason | undefined;
  referrerId?: string | undefined;
  refereeId?: string | undefined;
  limit: number;
  /** `<referrer id>:<referee id>` of the last referral of the previous page. */
  before?: string | undefined;
}

interface Row {
  referrer_id: string;
  referee_id: string;
  code: string;
  status: ReferralStatus;
  reject_reason: RejectionReason | null;
  qualifying_order_id: string | null;
  qualifying_amount: string | null;
  qualified_at: Date | null;
  rewardable_at: Date | null;
  rewarded_at: Date | null;
  reversed_at: Date | null;
  reversed_points: string | null;
  unrecovered_points: string | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const num = (v: string | null) => (v === null ? null : Number(v));

/** Referral attempts, newest first, keyset paged by (created_at, referrer, referee); filters combine. */
export async function listReferrals(pool: Pool, filter: ReferralFilter): Promise<{ items: ReferralView[]; nextBefore: string | null }> {
  const [beforeReferrer, beforeReferee] = filter.before ? filter.before.split(':') : [null, null];
  const { rows } = await pool.query<Row>(
    `SELECT r.referrer_id, r.referee_id, r.code, r.status, r.reject_reason, r.qualifying_order_id, r.qualifying_amount::text, r.qualified_at,
            r.rewardable_at, r.rewarded_at, r.reversed_at, r.reversed_points::text, r.unrecovered_points::text, r.created_at
       FROM referrals r
      WHERE ($1::text IS NULL OR r.status = $1) AND ($2::text IS NULL OR r.reject_reason = $2)
        AND ($3::text IS NULL OR r.referrer_id = $3) AND ($4::text IS NULL OR r.referee_id = $4)
        AND ($5::text IS NULL OR (r.created_at, r.referrer_id, r.referee_id) < (SELECT created_at, referrer_id, referee_id FROM referrals WHERE referrer_id = $5 AND referee_id = $6))
      ORDER BY r.created_at DESC, r.referrer_id DESC, r.referee_id DESC
      LIMIT $7`,
    [filter.status ?? null, filter.rejectReason ?? null, filter.referrerId ?? null, filter.refereeId ?? null, beforeReferrer ?? null, beforeReferee ?? null, filter.limit + 1],
  );
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      referrerId: r.referrer_id,
      refereeId: r.referee_id,
      code: r.code,
      status: r.status,
      rejectReason: r.reject_reason,
      qualifyingOrderId: r.qualifying_order_id,
      qualifyingAmount: num(r.qualifying_amount),
      qualifiedAt: iso(r.qualified_at),
      rewardableAt: iso(r.rewardable_at),
      rewardedAt: iso(r.rewarded_at),
      reversedAt: iso(r.reversed_at),
      reversedPoints: num(r.reversed_points),
      unrecoveredPoints: num(r.unrecovered_points),
      createdAt: r.created_at.toISOString(),
    })),
    nextBefore: rows.length > filter.limit && last ? `${last.referrer_id}:${last.referee_id}` : null,
  };
}
