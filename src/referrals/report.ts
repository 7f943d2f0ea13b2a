import type { Pool } from '../db/index.js';
import { REJECTION_REASONS } from './attach.js';

export interface ReferralReport {
  from: string;
  to: string;
  /** Every referral attempt made in the range (sign-ups with a code), rejected ones included. */
  sent: number;
  /** The referee made the qualifying purchase (rewarded, waiting for the return window, or rejected after qualifying). */
  converted: number;
  rewarded: number;
  pending: number;
  waitingReturnWindow: number;
  expired: number;
  rejected: { total: number; byReason: Record<string, number> };
  conversionRate: { numerator: number; denominator: number; value: number | null };
  pointsAwarded: { referrers: number; referees: number };
  topReferrers: { memberId: string; sent: number; rewarded: number }[];
}

/** Referrals made in [from, to): sent, converted, rewarded, rejected by reason; straight from the rows. */
export async function referralReport(pool: Pool, range: { from: Date; to: Date; top?: number }): Promise<ReferralReport> {
  const { rows } = await pool.query<{ status: string; reject_reason: string | null; qualified: boolean; n: number }>(
    `SELECT status, reject_reason, qualified_at IS NOT NULL AS qualified, count(*)::int AS n
       FROM referrals WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3`,
    [range.from, range.to],
  );
  const sum = (pick: (r: (typeof rows)[number]) => boolean) => rows.filter(pick).reduce((s, r) => s + r.n, 0);
  const byReason: Record<string, number> = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0]));
  for (const r of rows) if (r.status === 'rejected' && r.reject_reason) byReason[r.reject_reason] = (byReason[r.reject_reason] ?? 0) + r.n;
  const sent = sum(() => true);
  const converted = sum((r) => r.qualified);
  const points = await pool.query<{ side: string; points: number }>(
    `SELECT split_part(a.id, ':', 3) AS side, coalesce(sum(a.points), 0)::bigint AS points
       FROM awards a JOIN referrals r ON a.id IN ('referral:' || r.referee_id || ':referrer', 'referral:' || r.referee_id || ':referee')
      WHERE r.created_at >= $1 AND r.created_at < $2 AND a.granted_at IS NOT NULL GROUP BY 1`,
    [range.from, range.to],
  );
  const top = await pool.query<{ member_id: string; sent: number; rewarded: number }>(
    `SELECT referrer_id AS member_id, count(*)::int AS sent, count(*) FILTER (WHERE status = 'rewarded')::int AS rewarded
       FROM referrals WHERE created_at >= $1 AND created_at < $2 GROUP BY referrer_id ORDER BY rewarded DESC, sent DESC, referrer_id LIMIT $3`,
    [range.from, range.to, range.top ?? 10],
  );
  const nonRejectedAttempts = sent - sum((r) => r.status === 'rejected' && !r.qualified);
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    sent,
    converted,
    rewarded: sum((r) => r.status === 'rewarded'),
    pending: sum((r) => r.status === 'pending'),
    waitingReturnWindow: sum((r) => r.status === 'qualified'),
    expired: sum((r) => r.status === 'expired'),
    rejected: { total: sum((r) => r.status === 'rejected'), byReason },
    conversionRate: { numerator: converted, denominator: nonRejectedAttempts, value: nonRejectedAttempts > 0 ? converted / nonRejectedAttempts : null },
    pointsAwarded: { referrers: Number(points.rows.find((p) => p.side === 'referrer')?.points ?? 0), referees: Number(points.rows.find((p) => p.side === 'referee')?.points ?? 0) },
    topReferrers: top.rows.map((r) => ({ memberId: r.member_id, sent: r.sent, rewarded: r.rewarded })),
  };
}

/** A member's side of the program: their code, who referred them, and their referrals by status. */
export async function memberReferral(pool: Pool, memberId: string, code: string) {
  const [by, mine] = await Promise.all([
    pool.query<{ referrer_id: string; status: 'pending' | 'qualified' | 'rewarded' | 'rejected' | 'expired'; reject_reason: string | null; created_at: Date; rewarded_at: Date | null }>(
      `SELECT referrer_id, status, reject_reason, created_at, rewarded_at FROM referrals WHERE referee_id = $1 ORDER BY (status = 'rejected'), created_at DESC LIMIT 1`,
      [memberId],
    ),
    pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM referrals WHERE referrer_id = $1 GROUP BY status`, [memberId]),
  ]);
  const b = by.rows[0];
  const count = (s: string) => mine.rows.find((r) => r.status === s)?.n ?? 0;
  return {
    memberId,
    code,
    referredBy: b ? { memberId: b.referrer_id, status: b.status, rejectReason: b.reject_reason, createdAt: b.created_at.toISOString(), rewardedAt: b.rewarded_at?.toISOString() ?? null } : null,
    referrals: { sent: mine.rows.reduce((s, r) => s + r.n, 0), pending: count('pending'), waitingReturnWindow: count('qualified'), rewarded: count('rewarded'), rejected: count('rejected'), expired: count('expired') },
  };
}
