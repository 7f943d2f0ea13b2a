import type { Pool } from '../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../fanout/index.js';
import { currentProgram } from '../program/store.js';
import { reverseRefundedReferrals } from './reverse.js';

/**
 * Fan-out handler: the referee's first qualifying event (type and minimum amount of the program's
 * referral settings, within `qualifyWithinDays` of the referral) qualifies a pending referral and
 * starts its return window; a refund that takes that order below the minimum before anyone was
 * rewarded rejects it (`purchase_refunded`: never given), and one after the reward reverses it
 * (reverse.ts). All are guarded, so a redelivered event changes nothing.
 */
export function createReferralFanoutHandler(deps: { pool: Pool }): FanoutHandler {
  return {
    name: 'referrals',
    async handle(job: MemberEventJob): Promise<void> {
      // Cheap exit for the usual member: no live referral as referee (nor a reward a refund could reverse).
      const { rows } = await deps.pool.query<{ status: string }>(
        `SELECT status FROM referrals WHERE referee_id = $1 AND (status IN ('pending', 'qualified') OR (status = 'rewarded' AND reversed_at IS NULL))`,
        [job.memberId],
      );
      if (rows.length === 0) return;
      const settings = (await currentProgram(deps.pool)).definition.referrals;
      if (!settings) return;
      await deps.pool.query(
        `UPDATE referrals r SET status = 'qualified', qualifying_event_id = e.id, qualifying_order_id = e.order_id, qualifying_amount = e.amount,
                qualified_at = e.occurred_at, rewardable_at = e.occurred_at + make_interval(days => $3), updated_at = now()
           FROM events e
          WHERE e.id = $1 AND r.referee_id = e.member_id AND r.status = 'pending' AND e.type = $2 AND coalesce(e.amount, 0) >= $4
            AND e.occurred_at >= r.created_at AND e.occurred_at < r.created_at + make_interval(days => $5)
            AND NOT EXISTS (SELECT 1 FROM order_refunds o WHERE o.member_id = e.member_id AND o.order_id = e.order_id AND coalesce(e.amount, 0) - o.refunded_total < $4)`,
        [job.eventId, settings.qualifying.eventType, settings.returnWindowDays, settings.qualifying.minAmount, settings.qualifyWithinDays],
      );
      await rejectRefunded(deps.pool, job.memberId, settings.qualifying.minAmount);
      await reverseRefundedReferrals(deps.pool, job.memberId, settings.qualifying.minAmount);
    },
  };
}

/** Qualified referrals of the member whose order was refunded below the minimum: rejected, never rewarded. */
export async function rejectRefunded(db: Pool, refereeId: string | null, minAmount: number): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE referrals r SET status = 'rejected', reject_reason = 'purchase_refunded', updated_at = now()
       FROM order_refunds o
      WHERE ($1::text IS NULL OR r.referee_id = $1) AND r.status = 'qualified'
        AND o.member_id = r.referee_id AND o.order_id = r.qualifying_order_id AND coalesce(r.qualifying_amount, 0) - o.refunded_total < $2`,
    [refereeId, minAmount],
  );
  return rowCount ?? 0;
}
