import { withTransaction, type Pool } from '../db/index.js';
import type { Fact, FactHandler } from '../facts/index.js';
import { joinLanes } from './lanes.js';

/**
 * Records a fact for the subscriptions that want its type (one webhook_events row, one delivery
 * per subscription, id `wd_<subscription>_<event seq>`) and puts each delivery in its lane, in
 * one transaction. A fact seen again
 * finds its row and records nothing: its deliveries were written with it.
 */
export async function recordFact(pool: Pool, fact: Fact, onlySubscription?: string): Promise<number> {
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; subscription_id: string; lane: string }>(
      `WITH subs AS (
         SELECT id FROM webhook_subscriptions
          WHERE status <> 'disabled' AND ($7::text IS NOT NULL AND id = $7 OR $7::text IS NULL AND event_types && ARRAY[$2, '*'])
       ), ev AS (
         INSERT INTO webhook_events (id, type, member_id, lane, occurred_at, recorded_at, data)
         SELECT $1, $2, $3, $4, $5, coalesce($8::timestamptz, now()), $6 WHERE EXISTS (SELECT 1 FROM subs)
         ON CONFLICT (id) DO NOTHING
         RETURNING seq, lane, recorded_at
       )
       INSERT INTO webhook_deliveries (id, subscription_id, event_seq, lane, event_at)
       SELECT 'wd_' || subs.id || '_' || ev.seq, subs.id, ev.seq, ev.lane, ev.recorded_at FROM subs CROSS JOIN ev
       RETURNING id, subscription_id, lane`,
      [fact.id, fact.type, fact.memberId, fact.lane, fact.occurredAt, JSON.stringify(fact.data), onlySubscription ?? null, fact.recordedAt ?? null],
    );
    await joinLanes(client, rows.map((r) => ({ id: r.id, subscriptionId: r.subscription_id, lane: r.lane })));
    return rows.length;
  });
}

/** The webhooks' consumer of facts. */
export function createWebhookFactHandler(deps: { pool: Pool }): FactHandler {
  return {
    name: 'webhooks',
    async handle(fact: Fact): Promise<void> {
      await recordFact(deps.pool, fact);
    },
  };
}
