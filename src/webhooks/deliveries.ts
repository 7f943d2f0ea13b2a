import type { Pool } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';

export type DeliveryStatus = 'pending' | 'sending' | 'retrying' | 'succeeded' | 'dead' | 'cancelled';

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  memberId: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  replayOf: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number | null;
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  type: string;
  member_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const SELECT = `SELECT d.id, d.subscription_id, e.id AS event_id, e.type, e.member_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
                       d.replay_of, d.created_at, d.finished_at
                  FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`;

function view(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    webhookId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.type,
    memberId: r.member_id,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at?.toISOString() ?? null,
    lastStatus: r.last_status,
    lastError: r.last_error,
    replayOf: r.replay_of,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** `before` cursor of delivery pages: `<ISO created_at>~<id>`. */
export function deliveryCursor(d: DeliveryView): string {
  return `${d.createdAt}~${d.id}`;
}

/** A subscription's deliveries, newest first, by status, member or event type; keyset paging. */
export async function listDeliveries(
  pool: Pool,
  webhookId: string,
  filter: { status?: string | undefined; memberId?: string | undefined; eventType?: string | undefined; limit: number; before?: { at: Date; id: string } | undefined },
): Promise<{ deliveries: DeliveryView[]; next: string | null }> {
  const [beforeAt, beforeId] = filter.before ? [filter.before.at, filter.before.id] : [null, null];
  const { rows } = await pool.query<DeliveryRow>(
    `${SELECT}
      WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR e.member_id = $3) AND ($4::text IS NULL OR e.type = $4)
        AND ($5::timestamptz IS NULL OR (d.created_at, d.id) < ($5::timestamptz, $6::text))
      ORDER BY d.created_at DESC, d.id DESC LIMIT $7`,
    [webhookId, filter.status ?? null, filter.memberId ?? null, filter.eventType ?? null, beforeAt, beforeId, filter.limit + 1],
  );
  const deliveries = rows.slice(0, filter.limit).map(view);
  return { deliveries, next: rows.length > filter.limit ? deliveryCursor(deliveries[deliveries.length - 1]!) : null };
}

/** One delivery with the event it carries and every attempt with the receiver's answer. */
export async function getDelivery(pool: Pool, webhookId: string, deliveryId: string): Promise<DeliveryView & { event: { id: string; type: string; occurredAt: string; data: unknown }; attemptLog: AttemptView[] }> {
  const { rows } = await pool.query<DeliveryRow & { occurred_at: Date; data: unknown }>(
    `SELECT d.id, d.subscription_id, e.id AS event_id, e.type, e.member_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,
            d.replay_of, d.created_at, d.finished_at, e.occurred_at, e.data
       FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq
      WHERE d.subscription_id = $1 AND d.id = $2`,
    [webhookId, deliveryId],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('unknown_delivery', `webhook ${webhookId} has no delivery ${deliveryId}`, { deliveryId });
  const attempts = await pool.query<{ attempt: number; started_at: Date; duration_ms: number | null; status_code: number | null; response_headers: Record<string, string> | null; response_body: string | null; error: string | null }>(
    `SELECT attempt, started_at, duration_ms, status_code, response_headers, response_body, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
  return {
    ...view(row),
    event: { id: row.event_id, type: row.type, occurredAt: row.occurred_at.toISOString(), data: row.data },
    attemptLog: attempts.rows.map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      responseHeaders: a.response_headers,
      responseBody: a.response_body,
      error: a.error,
    })),
  };
}
