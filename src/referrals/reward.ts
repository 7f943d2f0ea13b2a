import { withTransaction, type Pool } from '../db/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { requestAwards, type AwardRequest } from '../ledger/index.js';
import { requestMessages, type MessageRequest } from '../messaging/index.js';
import { findOffer, grantOffer } from '../offers/index.js';
import { calendar } from '../program/index.js';
import { currentProgram } from '../program/store.js';
import { rejectRefunded } from './qualify.js';

export interface ReferralRewardCounts {
  rewarded: number;
  rejected: number;
  expired: number;
}

const PAGE = 500;

/**
 * The referrals whose qualifying purchase passed its return window by `asOf`, rewarded: both sides
 * get their points (award queue, ids `referral:<referee>:referrer|referee`, sources
 * `referral:referrer|referee`) and offers, a
 * `bonus_points` message, and a `referral.rewarded` fact, in one transaction per referral under a
 * lock on the referrer, where the checks are made last: the order refunded below the minimum
 * (`purchase_refunded`), either member erased (`member_erased`), the referrer's monthly cap in the
 * program's zone (`referrer_monthly_cap`). Pending referrals past `qualifyWithinDays` expire.
 * Idempotent: a referral leaves `qualified` once.
 */
export async function rewardDueReferrals(pool: Pool, asOf: Date): Promise<ReferralRewardCounts> {
  const program = (await currentProgram(pool)).definition;
  const settings = program.referrals;
  const counts: ReferralRewardCounts = { rewarded: 0, rejected: 0, expired: 0 };
  if (!settings) return counts;
  counts.rejected += await rejectRefunded(pool, null, settings.qualifying.minAmount);
  const expired = await pool.query(
    `UPDATE referrals SET status = 'expired', updated_at = now() WHERE status = 'pending' AND created_at + make_interval(days => $1) <= $2`,
    [settings.qualifyWithinDays, asOf],
  );
  counts.expired = expired.rowCount ?? 0;
  const monthStart = calendar.startOfLocalMonth(asOf, program.timeZone);
  const monthEnd = calendar.addLocalMonths(monthStart, 1, program.timeZone);
  for (;;) {
    const { rows: due } = await pool.query<{ referrer_id: string; referee_id: string }>(
      `SELECT referrer_id, referee_id FROM referrals WHERE status = 'qualified' AND rewardable_at <= $1 ORDER BY rewardable_at, referee_id LIMIT $2`,
      [asOf, PAGE],
    );
    if (due.length === 0) return counts;
    for (const referral of due) {
      const outcome = await withTransaction(pool, async (client) => {
        await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`referrer:${referral.referrer_id}`]);
        const { rows } = await client.query<{ status: string; refunded: boolean; erased: boolean; this_month: number }>(
          `SELECT r.status,
                  EXISTS (SELECT 1 FROM order_refunds o WHERE o.member_id = r.referee_id AND o.order_id = r.qualifying_order_id
                                                        AND coalesce(r.qualifying_amount, 0) - o.refunded_total < $5) AS refunded,
                  EXISTS (SELECT 1 FROM members m WHERE m.id IN (r.referrer_id, r.referee_id) AND m.erased_at IS NOT NULL) AS erased,
                  (SELECT count(*)::int FROM referrals x WHERE x.referrer_id = r.referrer_id AND x.status = 'rewarded' AND x.rewarded_at >= $3 AND x.rewarded_at < $4) AS this_month
             FROM referrals r WHERE r.referrer_id = $1 AND r.referee_id = $2 FOR UPDATE`,
          [referral.referrer_id, referral.referee_id, monthStart, monthEnd, settings.qualifying.minAmount],
        );
        const row = rows[0];
        if (!row || row.status !== 'qualified') return 'skipped';
        const reason = row.refunded ? 'purchase_refunded' : row.erased ? 'member_erased' : settings.monthlyCapPerReferrer !== null && row.this_month >= settings.monthlyCapPerReferrer ? 'referrer_monthly_cap' : null;
        if (reason) {
          await client.query(`UPDATE referrals SET status = 'rejected', reject_reason = $3, updated_at = now() WHERE referrer_id = $1 AND referee_id = $2`, [referral.referrer_id, referral.referee_id, reason]);
          return 'rejected';
        }
        const sides = [
          { memberId: referral.referrer_id, side: 'referrer' as const, reward: settings.referrer, reason: 'a friend you referred' },
          { memberId: referral.referee_id, side: 'referee' as const, reward: settings.referee, reason: 'joining through a friend' },
        ];
        const awards: AwardRequest[] = sides
          .filter((s) => s.reward.points > 0)
          .map((s) => ({ id: `referral:${referral.referee_id}:${s.side}`, memberId: s.memberId, points: s.reward.points, source: `referral:${s.side}`, reason: `Referral (${s.side})` }));
        await requestAwards(client, awards);
        for (const s of sides) {
          if (!s.reward.offerId) continue;
          const offer = await findOffer(client, s.reward.offerId);
          if (offer) await grantOffer(client, offer, [{ memberId: s.memberId, variant: null }], { campaignId: null, stepIndex: null, source: `referral:${referral.referee_id}`, now: asOf, program });
        }
        const messages: MessageRequest[] = sides
          .filter((s) => s.reward.points > 0)
          .map((s) => ({ id: `referral.${referral.referee_id}.${s.side}.inbox.${s.memberId}`, message: 'bonus_points', channel: 'inbox', memberId: s.memberId, vars: { bonusPoints: s.reward.points, reason: s.reason } }));
        await requestMessages(client, messages);
        await client.query(`UPDATE referrals SET status = 'rewarded', rewarded_at = $3, updated_at = now() WHERE referrer_id = $1 AND referee_id = $2`, [referral.referrer_id, referral.referee_id, asOf]);
        await emitFacts(client, [
          memberFact('referral.rewarded', `referral.rewarded.${referral.referee_id}`, referral.referrer_id, asOf, {
            refereeId: referral.referee_id,
            referrerPoints: settings.referrer.points,
            refereePoints: settings.referee.points,
          }),
        ]);
        return 'rewarded';
      });
      if (outcome === 'rewarded') counts.rewarded += 1;
      if (outcome === 'rejected') counts.rejected += 1;
    }
  }
}
