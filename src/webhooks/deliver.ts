import { randomUUID } from 'node:crypto';
import { signBody } from '../auth/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { advanceLane, putFirst } from './lanes.js';

export interface WebhookDeliverySettings {
  attempts: number;
  timeoutMs: number;
  /** A head younger than this waits for it: an earlier fact of its lane on a slower path gets in first. */
  orderWindowMs: number;
  now?: () => Date;
}

export type DeliveryOutcome =
  | { status: 'succeeded'; attempts: number }
  | { status: 'retry'; attempts: number; retryAfterMs: number | null }
  | { status: 'dead'; attempts: number; reason: string }
  /** The head is younger than the order window: try again at `until`. */
  | { status: 'wait'; until: Date }
  /** Nothing to send by this job (finished already, not the lane's head, subscription paused). */
  | { status: 'skipped'; reason: string };

interface DeliveryRow {
  id: string;
  subscription_id: string;
  lane: string;
  event_seq: number;
  status: 'pending' | 'sending' | 'retrying' | 'succeeded' | 'dead' | 'cancelled';
  attempts: number;
  created_at: Date;
  event_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  subscription_status: 'active' | 'paused' | 'disabled';
  event_id: string;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
  head: string | null;
  first_pending: string | null;
}

/** What the receiver gets: the fact as it was recorded. */
export function webhookBody(row: Pick<DeliveryRow, 'event_id' | 'type' | 'occurred_at' | 'data'>): string {
  return JSON.stringify({ id: row.event_id, type: row.type, occurredAt: row.occurred_at.toISOString(), data: row.data });
}

const RESPONSE_BODY_LIMIT = 4096;
const KEPT_HEADERS = ['content-type', 'retry-after', 'x-request-id', 'date'];

interface Answer {
  statusCode: number | null;
  headers: Record<string, string>;
  body: string | null;
  error: string | null;
  retryAfterMs: number | null;
}

function retryAfterMs(value: string | null, now: Date): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_BODY_LIMIT);
}

/**
 * One webhook delivery attempt, recorded before and after: the delivery is claimed (`sending`,
 * a fresh attempt token, the attempt row with its start), POSTed with the signature, and its
 * answer stored. 2xx is success; anything else (or no answer in time) is retried until the
 * attempts run out, then the delivery is dead. Either way the lane goes on to its next event.
 *
 * Only the lane's head is sent, and an earlier event of the lane that arrived late goes first; a
 * head younger than the order window waits out the window before its first attempt, so facts
 * that travel different paths (an event's fan-out, the facts queue) still go out in order.
 * An attempt that finds the delivery in `sending` under another token knows that attempt died
 * (the worker was killed mid-request): it sends again with the same webhook id — the receiver may
 * have got it, so receivers deduplicate on `X-Laurel-Webhook-Id`.
 */
export class WebhookDelivery {
  private readonly now: () => Date;

  constructor(
    private readonly pool: Pool,
    private readonly settings: WebhookDeliverySettings,
  ) {
    this.now = settings.now ?? (() => new Date());
  }

  private async load(deliveryId: string): Promise<DeliveryRow | undefined> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT d.id, d.subscription_id, d.lane, d.event_seq, d.status, d.attempts, d.created_at, d.event_at,
              s.url, s.secret, s.previous_secret, s.previous_secret_until, s.status AS subscription_status,
              e.id AS event_id, e.type, e.occurred_at, e.data,
              (SELECT head FROM webhook_lanes l WHERE l.subscription_id = d.subscription_id AND l.lane = d.lane) AS head,
              (SELECT p.id FROM webhook_deliveries p
                WHERE p.subscription_id = d.subscription_id AND p.lane = d.lane AND p.status IN ('pending', 'sending', 'retrying')
                ORDER BY p.event_at, p.event_seq, p.id LIMIT 1) AS first_pending
         FROM webhook_deliveries d
         JOIN webhook_subscriptions s ON s.id = d.subscription_id
         JOIN webhook_events e ON e.seq = d.event_seq
        WHERE d.id = $1`,
      [deliveryId],
    );
    return rows[0];
  }

  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const row = await this.load(deliveryId);
    if (!row) return { status: 'skipped', reason: 'unknown delivery' };
    if (row.status === 'succeeded' || row.status === 'dead' || row.status === 'cancelled') {
      // Finished, but the lane may not have moved on (a crash between the two is impossible, they
      // share a transaction; a re-relayed job is the usual way here): make sure it did.
      if (row.head === row.id) await withTransaction(this.pool, (client) => advanceLane(client, row.subscription_id, row.lane, row.id));
      return { status: 'skipped', reason: `already ${row.status}` };
    }
    if (row.subscription_status !== 'active') return { status: 'skipped', reason: `subscription ${row.subscription_status}` };
    if (row.head !== row.id) return { status: 'skipped', reason: 'not the head of its lane' };
    const settledAt = row.event_at.getTime() + this.settings.orderWindowMs;
    if (row.status === 'pending' && settledAt > this.now().getTime()) return { status: 'wait', until: new Date(settledAt) };
    if (row.first_pending !== null && row.first_pending !== row.id) {
      const first = row.first_pending;
      await withTransaction(this.pool, (client) => putFirst(client, row.subscription_id, row.lane, first));
      return { status: 'skipped', reason: `an earlier event of the lane goes first (${first})` };
    }

    const token = randomUUID();
    const startedAt = this.now();
    // The claim and its attempt row are one statement: a sender killed between two statements left
    // a delivery counting an attempt that its history did not show.
    const claim = await this.pool.query<{ attempts: number }>(
      `WITH prev AS (SELECT status FROM webhook_deliveries WHERE id = $1 FOR UPDATE),
       claimed AS (
         UPDATE webhook_deliveries d SET status = 'sending', attempt_token = $2, attempts = d.attempts + 1, next_attempt_at = NULL
           FROM prev WHERE d.id = $1 AND d.status IN ('pending', 'sending', 'retrying')
         RETURNING d.attempts, prev.status AS previous),
       interrupted AS (
         UPDATE webhook_attempts a SET error = 'interrupted: the sender stopped before the answer was recorded; sent again with the same webhook id'
           FROM claimed c
          WHERE c.previous = 'sending' AND a.delivery_id = $1 AND a.attempt = c.attempts - 1 AND a.status_code IS NULL AND a.error IS NULL),
       recorded AS (
         INSERT INTO webhook_attempts (delivery_id, attempt, started_at) SELECT $1, attempts, $3 FROM claimed ON CONFLICT DO NOTHING)
       SELECT attempts FROM claimed`,
      [deliveryId, token, startedAt],
    );
    const claimed = claim.rows[0];
    if (!claimed) return { status: 'skipped', reason: 'finished meanwhile' };
    const attempt = claimed.attempts;

    const answer = await this.post(row, attempt, startedAt);
    const durationMs = this.now().getTime() - startedAt.getTime();
    const ok = answer.statusCode !== null && answer.statusCode >= 200 && answer.statusCode < 300;
    const final = ok || attempt >= this.settings.attempts;
    const error = ok ? null : (answer.error ?? `receiver answered ${answer.statusCode}`);
    return await withTransaction(this.pool, async (client): Promise<DeliveryOutcome> => {
      await client.query(
        `UPDATE webhook_attempts SET duration_ms = $3, status_code = $4, response_headers = $5, response_body = $6, error = $7 WHERE delivery_id = $1 AND attempt = $2`,
        [deliveryId, attempt, durationMs, answer.statusCode, JSON.stringify(answer.headers), answer.body, answer.error],
      );
      const status = ok ? 'succeeded' : final ? 'dead' : 'retrying';
      const updated = await client.query(
        `UPDATE webhook_deliveries SET status = $3, last_status = $4, last_error = $5, finished_at = CASE WHEN $6 THEN now() END
          WHERE id = $1 AND attempt_token = $2 AND status = 'sending'`,
        [deliveryId, token, status, answer.statusCode, error, final],
      );
      if (updated.rowCount === 0) return { status: 'skipped', reason: 'another attempt took over' };
      if (final) await advanceLane(client, row.subscription_id, row.lane, row.id);
      if (ok) return { status: 'succeeded', attempts: attempt };
      if (final) return { status: 'dead', attempts: attempt, reason: error! };
      return { status: 'retry', attempts: attempt, retryAfterMs: answer.retryAfterMs };
    });
  }

  /** Records when the retry is due (the job itself is delayed by the worker). */
  async scheduleRetry(deliveryId: string, at: Date): Promise<void> {
    await this.pool.query(`UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id = $1 AND status = 'retrying'`, [deliveryId, at]);
  }

  private async post(row: DeliveryRow, attempt: number, at: Date): Promise<Answer> {
    const body = webhookBody(row);
    const secrets = [row.secret, ...(row.previous_secret && row.previous_secret_until && row.previous_secret_until > at ? [row.previous_secret] : [])];
    let res: Response;
    try {
      res = await fetch(row.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Laurel-Webhooks/1',
          'x-laurel-webhook-id': row.event_id,
          'x-laurel-event-type': row.type,
          'x-laurel-delivery': row.id,
          'x-laurel-attempt': String(attempt),
          'x-laurel-signature': signBody(secrets, body, at),
        },
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.settings.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
      return { statusCode: null, headers: {}, body: null, error: `request failed: ${reason}`, retryAfterMs: null };
    }
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) headers[name] = value.slice(0, 200);
    }
    const text = await readLimited(res).catch(() => '');
    return {
      statusCode: res.status,
      headers,
      body: text,
      error: null,
      retryAfterMs: res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after'), at) : null,
    };
  }
}
