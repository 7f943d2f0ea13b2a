import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { memberFact } from '../facts/index.js';
import { joinLanes } from './lanes.js';
import { recordFact } from './record.js';
import { getSubscription } from './store.js';

/**
 * Replays deliveries: each becomes a new delivery of the same event (same webhook id and body,
 * a fresh signature), queued at the end of its lane's pending events in event order. The original
 * and its attempts stay as they were. Audit logged.
 */
export async function replayDeliveries(pool: Pool, subscriptionId: string, deliveryIds: readonly string[], actor: string): Promise<string[]> {
  if (deliveryIds.length === 0) return [];
  return await withTransaction(pool, async (client) => {
    const stamp = randomUUID().slice(0, 8);
    const { rows } = await client.query<{ id: string; subscription_id: string; lane: string }>(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_seq, lane, event_at, replay_of, requested_by)
       SELECT 'wd_' || d.subscription_id || '_' || d.event_seq || '_r' || $3, d.subscription_id, d.event_seq, d.lane, d.event_at, coalesce(d.replay_of, d.id), $4
         FROM webhook_deliveries d WHERE d.subscription_id = $1 AND d.id = ANY($2::text[])
       RETURNING id, subscription_id, lane`,
      [subscriptionId, deliveryIds, stamp, actor],
    );
    await joinLanes(client, rows.map((r) => ({ id: r.id, subscriptionId: r.subscription_id, lane: r.lane })));
    await appendAudit(client, { actor, action: 'webhook.replay', subject: `webhook:${subscriptionId}`, after: { deliveries: deliveryIds.length <= 100 ? deliveryIds : deliveryIds.length, replays: rows.length } });
    return rows.map((r) => r.id);
  });
}

export async function replayOne(pool: Pool, subscriptionId: string, deliveryId: string, actor: string): Promise<string> {
  await getSubscription(pool, subscriptionId);
  const [id] = await replayDeliveries(pool, subscriptionId, [deliveryId], actor);
  if (!id) throw new NotFoundError('unknown_delivery', `webhook ${subscriptionId} has no delivery ${deliveryId}`, { deliveryId });
  return id;
}

/** Replays the finished deliveries created in [from, to): the dead ones, or every one. */
export async function replayRange(pool: Pool, subscriptionId: string, range: { from: Date; to: Date; status: 'dead' | 'all' }, actor: string): Promise<number> {
  await getSubscription(pool, subscriptionId);
  let replayed = 0;
  let after = '';
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM webhook_deliveries
        WHERE subscription_id = $1 AND created_at >= $2 AND created_at < $3 AND id > $4 AND replay_of IS NULL
          AND status = ANY($5::text[])
        ORDER BY id LIMIT 1000`,
      [subscriptionId, range.from, range.to, after, range.status === 'dead' ? ['dead'] : ['dead', 'succeeded', 'cancelled']],
    );
    if (rows.length === 0) return replayed;
    replayed += (await replayDeliveries(pool, subscriptionId, rows.map((r) => r.id), actor)).length;
    after = rows[rows.length - 1]!.id;
  }
}

/** A `webhook.test` fact for one subscription (whatever types it wants), delivered like any other. */
export async function sendTestDelivery(pool: Pool, subscriptionId: string, actor: string): Promise<string> {
  const subscription = await getSubscription(pool, subscriptionId);
  if (subscription.status === 'disabled') throw new ConflictError('webhook_disabled', `webhook ${subscriptionId} is disabled`, { webhookId: subscriptionId });
  const id = `webhook.test.${subscriptionId}.${randomUUID()}`;
  const fact = { ...memberFact('webhook.test', id, 'test', new Date(), {}), memberId: null, lane: `test:${subscriptionId}`, data: { subscriptionId, requestedBy: actor } };
  await recordFact(pool, fact, subscriptionId);
  const { rows } = await pool.query<{ id: string }>(`SELECT d.id FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq WHERE e.id = $1`, [id]);
  return rows[0]!.id;
}
