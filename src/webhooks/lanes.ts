import type { PoolClient } from '../db/index.js';
import { addToOutbox, type OutboxJob } from '../outbox/index.js';
import { QUEUES, jobId } from '../queues/index.js';

/** The job of a lane head: the lane's epoch makes a second turn of the same delivery a new job. */
export function deliveryJob(deliveryId: string, epoch: number): OutboxJob {
  return { queue: QUEUES.webhooks, name: 'deliver', jobId: jobId('wh', deliveryId, epoch), payload: { deliveryId } };
}

/**
 * New deliveries join their lanes (in the caller's transaction): a delivery that finds its lane
 * empty becomes the head and gets a job; otherwise the current head hands over when it finishes.
 * The conflict branch updates nothing but locks the lane row, so it waits for a head finishing at
 * the same moment, and a lane that head deleted is inserted afresh.
 */
export async function joinLanes(client: PoolClient, deliveries: readonly { id: string; subscriptionId: string; lane: string }[]): Promise<number> {
  // One candidate per lane (a statement may not touch a row twice); the others follow it, and
  // the head's job puts the lane's earliest event first anyway.
  const byLane = new Map<string, { id: string; subscriptionId: string; lane: string }>();
  for (const d of deliveries) if (!byLane.has(`${d.subscriptionId}\u0000${d.lane}`)) byLane.set(`${d.subscriptionId}\u0000${d.lane}`, d);
  const candidates = [...byLane.values()];
  if (candidates.length === 0) return 0;
  const { rows } = await client.query<{ head: string; epoch: number }>(
    `INSERT INTO webhook_lanes (subscription_id, lane, head)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (subscription_id, lane) DO UPDATE SET head = webhook_lanes.head
     RETURNING head, epoch`,
    [candidates.map((d) => d.subscriptionId), candidates.map((d) => d.lane), candidates.map((d) => d.id)],
  );
  const ids = new Set(candidates.map((d) => d.id));
  const heads = rows.filter((r) => ids.has(r.head));
  await addToOutbox(client, heads.map((r) => deliveryJob(r.head, Number(r.epoch))));
  return heads.length;
}

/**
 * Hands the lane on after `finishedId` (succeeded, dead or cancelled), in the caller's transaction:
 * the lowest pending event of the lane becomes the head and gets a job, or the lane row goes.
 */
export async function advanceLane(client: PoolClient, subscriptionId: string, lane: string, finishedId: string): Promise<string | null> {
  const { rows } = await client.query<{ head: string }>(`SELECT head FROM webhook_lanes WHERE subscription_id = $1 AND lane = $2 FOR UPDATE`, [subscriptionId, lane]);
  if (rows[0]?.head !== finishedId) return null;
  return await moveHead(client, subscriptionId, lane, finishedId);
}

/** With the lane row locked: the next head after `except` (or none: the lane row is deleted). */
async function moveHead(client: PoolClient, subscriptionId: string, lane: string, except: string): Promise<string | null> {
  const next = await client.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries
      WHERE subscription_id = $1 AND lane = $2 AND status IN ('pending', 'sending', 'retrying') AND id <> $3
      ORDER BY event_at, event_seq, id LIMIT 1`,
    [subscriptionId, lane, except],
  );
  const head = next.rows[0]?.id;
  if (!head) {
    await client.query(`DELETE FROM webhook_lanes WHERE subscription_id = $1 AND lane = $2`, [subscriptionId, lane]);
    return null;
  }
  const { rows } = await client.query<{ epoch: number }>(
    `UPDATE webhook_lanes SET head = $3, epoch = epoch + 1 WHERE subscription_id = $1 AND lane = $2 RETURNING epoch`,
    [subscriptionId, lane, head],
  );
  await addToOutbox(client, [deliveryJob(head, Number(rows[0]!.epoch))]);
  return head;
}

/**
 * Makes `deliveryId` the head instead of the current one (an event that committed late but
 * comes first in its lane): the current head waits, unsent, for its turn.
 */
export async function putFirst(client: PoolClient, subscriptionId: string, lane: string, deliveryId: string): Promise<void> {
  const { rows } = await client.query<{ head: string; epoch: number }>(
    `UPDATE webhook_lanes SET head = $3, epoch = epoch + 1 WHERE subscription_id = $1 AND lane = $2 RETURNING head, epoch`,
    [subscriptionId, lane, deliveryId],
  );
  if (rows[0]) await addToOutbox(client, [deliveryJob(deliveryId, Number(rows[0].epoch))]);
}

/** A new job for every lane head of a subscription (after a pause, or for heads whose job was lost). */
export async function restartLanes(client: PoolClient, subscriptionId: string, heads?: readonly string[]): Promise<number> {
  const { rows } = await client.query<{ head: string; epoch: number }>(
    `UPDATE webhook_lanes SET epoch = epoch + 1 WHERE subscription_id = $1 AND ($2::text[] IS NULL OR head = ANY($2::text[])) RETURNING head, epoch`,
    [subscriptionId, heads ?? null],
  );
  await addToOutbox(client, rows.map((r) => deliveryJob(r.head, Number(r.epoch))));
  return rows.length;
}
