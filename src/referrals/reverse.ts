import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { grantAwardIn } from '../ledger/index.js';
import { openMemberLedger, writeMemberLedger } from '../ledger/ledger-write.js';
import { getMember } from '../members/index.js';
import { currentProgram } from '../program/store.js';

/**
 * Rewarded referrals of `refereeId` whose qualifying order was refunded below the minimum after the
 * reward (a return past the window the program allows, accepted by the brand anyway): reversed.
 * Each side gives back what it still has of its referral points, as an `adjust` entry with key
 * `referral:<referee>:<side>:reversal`; what a side has already spent is not taken (no debt) and is
 * recorded as `unrecovered_points`. An award still in the queue is granted first, in the same
 * transaction, so the reversal never races it. Once per referral (`reversed_at`, under a row lock),
 * announced as a `referral.reversed` fact in the same transaction.
 * Offers given with the reward are left alone (an offer held is not points).
 */
export async function reverseRefundedReferrals(pool: Pool, refereeId: string, minAmount: number, now = new Date()): Promise<number> {
  const { rows: due } = await pool.query<{ referrer_id: string }>(
    `SELECT r.referrer_id FROM referrals r JOIN order_refunds o ON o.member_id = r.referee_id AND o.order_id = r.qualifying_order_id
      WHERE r.referee_id = $1 AND r.status = 'rewarded' AND r.reversed_at IS NULL AND coalesce(r.qualifying_amount, 0) - o.refunded_total < $2`,
    [refereeId, minAmount],
  );
  let reversed = 0;
  for (const { referrer_id: referrerId } of due) {
    const done = await withTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`referrer:${referrerId}`]);
      const { rows } = await client.query<{ reversed_at: Date | null }>(`SELECT reversed_at FROM referrals WHERE referrer_id = $1 AND referee_id = $2 AND status = 'rewarded' FOR UPDATE`, [referrerId, refereeId]);
      if (!rows[0] || rows[0].reversed_at) return false;
      let taken = 0;
      let unrecovered = 0;
      for (const side of ['referrer', 'referee'] as const) {
        const awardId = `referral:${refereeId}:${side}`;
        const { rows: award } = await client.query<{ member_id: string }>(`SELECT member_id FROM awards WHERE id = $1`, [awardId]);
        if (!award[0]) continue; // that side's reward had no points
        const { points } = await grantAwardIn(client, awardId, now);
        const take = await takeBack(client, award[0].member_id, points, `${awardId}:reversal`, refereeId, now);
        taken += take;
        unrecovered += points - take;
      }
      await client.query(
        `UPDATE referrals SET reversed_at = $3, reversed_points = $4, unrecovered_points = $5, updated_at = now() WHERE referrer_id = $1 AND referee_id = $2`,
        [referrerId, refereeId, now, taken, unrecovered],
      );
      await emitFacts(client, [memberFact('referral.reversed', `referral.reversed.${refereeId}`, referrerId, now, { refereeId, reversedPoints: taken, unrecoveredPoints: unrecovered })]);
      return true;
    });
    if (done) reversed += 1;
  }
  return reversed;
}

/** Up to `points` of the member's available points, spent as an adjustment; returns what was taken. */
async function takeBack(client: PoolClient, memberId: string, points: number, key: string, refereeId: string, now: Date): Promise<number> {
  await getMember(client, memberId, true);
  const program = await currentProgram(client);
  const ledger = await openMemberLedger(client, { memberId, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source: 'referral:reversal' });
  ledger.prepare(now, `${key}:prepare`);
  const take = Math.min(points, Math.max(0, ledger.balance().available));
  if (take === 0) return 0;
  ledger.spend('adjust', key, take, now, { reason: `referral of ${refereeId} reversed: the qualifying purchase was refunded` });
  await writeMemberLedger(client, ledger);
  return take;
}
