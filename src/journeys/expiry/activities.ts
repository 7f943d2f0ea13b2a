import type { Queue } from 'bullmq';
import type { Pool } from '../../db/index.js';
import { emitFacts, memberFact, type Fact } from '../../facts/index.js';
import { activatePendingPoints, expirePoints } from '../../ledger/index.js';
import { enqueueDeliveries, insertSendRecords, type DeliveryJob, type MessageRequest } from '../../messaging/index.js';
import type { Channel } from '../../messaging/templates/index.js';
import { currentProgram } from '../../program/store.js';
import { cancelOverdueRedemptions } from '../../rewards/index.js';
import { channelRequests } from '../missions/channel-requests.js';
import { REMINDER_STAGES, reminderStage } from './reminder-stage.js';

export interface ExpiryActivityDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
  channels: readonly Channel[];
}

const PAGE = 2000;
const DAY_MS = 86_400_000;

/** Writes the send records and enqueues only the ones new now: a rerun sends nothing twice. */
async function requestOnce(pool: Pool, queue: Queue<DeliveryJob>, requests: MessageRequest[]): Promise<number> {
  if (requests.length === 0) return 0;
  const written = await insertSendRecords(pool, requests);
  await enqueueDeliveries(queue, written);
  return written.length;
}

export function createExpiryActivities({ pool, deliveryQueue, channels }: ExpiryActivityDeps) {
  return {
    async activatePendingPointsAsOf(asOf: string): Promise<{ lots: number; points: number }> {
      const result = await activatePendingPoints(pool, new Date(asOf));
      return { lots: Number(result.lots), points: Number(result.points) };
    },

    /**
     * points_expiring, per member per expiry date (program time zone) and stage (30, 7, 1 days):
     * message id `points_expiring.<member>.<date>.<stage>d.<channel>`. Pages of members by keyset.
     */
    async sendExpiryReminders(asOf: string): Promise<{ members: number; messages: number }> {
      const at = new Date(asOf);
      const horizon = new Date(at.getTime() + REMINDER_STAGES[0] * DAY_MS);
      const timeZone = (await currentProgram(pool)).definition.timeZone;
      let after = '';
      let members = 0;
      let messages = 0;
      for (;;) {
        const { rows } = await pool.query<{ member_id: string; expiry_date: string; expires_at: Date; points: number; balance: number }>(
          `WITH page AS (
             SELECT DISTINCT member_id FROM lots
              WHERE kind = 'points' AND status = 'active' AND remaining_points > 0 AND expires_at > $1 AND expires_at <= $2 AND member_id > $3
              ORDER BY member_id LIMIT $4
           )
           SELECT l.member_id, to_char(l.expires_at AT TIME ZONE $5, 'YYYY-MM-DD') AS expiry_date, min(l.expires_at) AS expires_at,
                  sum(l.remaining_points)::bigint AS points, coalesce(max(b.available), 0)::bigint AS balance
             FROM lots l JOIN page p ON p.member_id = l.member_id LEFT JOIN member_balances b ON b.member_id = l.member_id
            WHERE l.kind = 'points' AND l.status = 'active' AND l.remaining_points > 0 AND l.expires_at > $1 AND l.expires_at <= $2
            GROUP BY l.member_id, expiry_date ORDER BY l.member_id`,
          [at, horizon, after, PAGE, timeZone],
        );
        if (rows.length === 0) break;
        const requests: MessageRequest[] = [];
        const facts: Fact[] = [];
        for (const row of rows) {
          const stage = reminderStage(row.expires_at, at);
          if (!stage) continue;
          facts.push(
            memberFact('points.expiring', `points.expiring.${row.member_id}.${row.expiry_date}.${stage}d`, row.member_id, at, {
              points: Number(row.points),
              expiresAt: row.expires_at.toISOString(),
              daysBefore: stage,
            }),
          );
          requests.push(
            ...channelRequests(channels, 'points_expiring', `${row.member_id}.${row.expiry_date}.${stage}d`, row.member_id, {
              points: Number(row.points),
              expiresAt: row.expires_at.toISOString(),
              balance: Number(row.balance),
            }),
          );
        }
        messages += await requestOnce(pool, deliveryQueue, requests);
        await emitFacts(pool, facts);
        members += new Set(rows.map((r) => r.member_id)).size;
        after = rows[rows.length - 1]!.member_id;
      }
      return { members, messages };
    },

    /**
     * Overdue material redemptions cancelled, the set-based expiry (an entry per lot and expiry, keyed `expire:<lot>:<n>`), then
     * points_expired per member for the entries this sweep wrote (recorded with the sweep's asOf as
     * `created_at`; each is dated at its own expiry instant): id `points_expired.<member>.<asOf>.<channel>`.
     */
    async expireDuePoints(asOf: string): Promise<{ expiredPoints: number; members: number; messages: number }> {
      const at = new Date(asOf);
      // Unfulfilled material redemptions past their deadline give their points back first, so
      // points that went back to an expired lot expire with the rest.
      await cancelOverdueRedemptions(pool, at);
      const counts = await expirePoints(pool, at);
      const stamp = at.toISOString().replace(/[-:.]/g, '');
      let after = '';
      let messages = 0;
      for (;;) {
        const { rows } = await pool.query<{ member_id: string; points: number; balance: number }>(
          `SELECT e.member_id, (-sum(e.amount))::bigint AS points, coalesce(max(b.available), 0)::bigint AS balance
             FROM ledger_entries e LEFT JOIN member_balances b ON b.member_id = e.member_id
            WHERE e.kind = 'expire' AND e.created_at = $1 AND e.member_id > $2
            GROUP BY e.member_id ORDER BY e.member_id LIMIT $3`,
          [at, after, PAGE],
        );
        if (rows.length === 0) break;
        messages += await requestOnce(
          pool,
          deliveryQueue,
          rows.flatMap((r) => channelRequests(channels, 'points_expired', `${r.member_id}.${stamp}`, r.member_id, { points: Number(r.points), balance: Number(r.balance) })),
        );
        await emitFacts(
          pool,
          rows.map((r) => memberFact('points.expired', `points.expired.${r.member_id}.${stamp}`, r.member_id, at, { points: Number(r.points), balance: { available: Number(r.balance) } })),
        );
        after = rows[rows.length - 1]!.member_id;
      }
      return { expiredPoints: Number(counts.expiredPoints), members: Number(counts.members), messages };
    },
  };
}

export type ExpiryActivities = ReturnType<typeof createExpiryActivities>;
