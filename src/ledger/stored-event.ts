import type { Pool, PoolClient } from '../db/index.js';
import type { EventResult } from './core/index.js';

/** An ingested event as the `events` table holds it; fan-out consumers load it by id. */
export interface StoredEvent {
  id: string;
  member_id: string;
  type: string;
  occurred_at: Date;
  amount: number | null;
  order_id: string | null;
  properties: Record<string, unknown>;
  result: EventResult;
}

export async function findStoredEvent(db: Pool | PoolClient, eventId: string): Promise<StoredEvent | undefined> {
  const { rows } = await db.query<StoredEvent>(
    `SELECT id, member_id, type, occurred_at, amount, order_id, properties, result FROM events WHERE id = $1`,
    [eventId],
  );
  return rows[0];
}
