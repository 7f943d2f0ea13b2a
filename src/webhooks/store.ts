import { randomBytes } from 'node:crypto';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { NotFoundError } from '../errors/index.js';
import type { WebhookDefinition } from './definition.js';

export interface WebhookSubscription {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: 'active' | 'paused' | 'disabled';
  secret: string;
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface SubscriptionRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  status: WebhookSubscription['status'];
  secret: string;
  previous_secret_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, url, description, event_types, status, secret, previous_secret_until, created_at, updated_at`;

function fromRow(r: SubscriptionRow): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventTypes: r.event_types,
    status: r.status,
    secret: r.secret,
    previousSecretUntil: r.previous_secret_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A fresh signing secret: `whsec_` + 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** What the audit log keeps of a subscription (never the secret). */
function auditView(s: WebhookSubscription | undefined) {
  return s ? { id: s.id, url: s.url, eventTypes: s.eventTypes, status: s.status, description: s.description } : null;
}

export async function findSubscription(db: Pool | PoolClient, id: string): Promise<WebhookSubscription | undefined> {
  const { rows } = await db.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function getSubscription(db: Pool | PoolClient, id: string): Promise<WebhookSubscription> {
  const found = await findSubscription(db, id);
  if (!found) throw new NotFoundError('unknown_webhook', `webhook ${id} does not exist`, { webhookId: id });
  return found;
}

export async function listSubscriptions(db: Pool | PoolClient): Promise<WebhookSubscription[]> {
  const { rows } = await db.query<SubscriptionRow>(`SELECT ${COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`);
  return rows.map(fromRow);
}

/**
 * Creates or updates a subscription (a disabled one comes back to life). Returns the lanes that
 * waited while it was paused, so the caller can restart them. Audit logged (without the secret).
 */
export async function upsertSubscription(pool: Pool, id: string, input: WebhookDefinition, actor: string): Promise<{ subscription: WebhookSubscription; created: boolean; resumed: boolean }> {
  return await withTransaction(pool, async (client) => {
    const before = await findSubscription(client, id);
    const { rows } = await client.query<SubscriptionRow & { inserted: boolean }>(
      `INSERT INTO webhook_subscriptions (id, url, description, event_types, status, secret, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, description = EXCLUDED.description, event_types = EXCLUDED.event_types,
         status = EXCLUDED.status, secret = CASE WHEN $8 THEN EXCLUDED.secret ELSE webhook_subscriptions.secret END, updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
      [id, input.url, input.description ?? null, [...new Set(input.eventTypes)], input.status, input.secret ?? newWebhookSecret(), actor, input.secret !== undefined],
    );
    const subscription = fromRow(rows[0]!);
    await appendAudit(client, { actor, action: rows[0]!.inserted ? 'webhook.create' : 'webhook.update', subject: `webhook:${id}`, before: auditView(before), after: auditView(subscription) });
    return { subscription, created: rows[0]!.inserted, resumed: before !== undefined && before.status !== 'active' && subscription.status === 'active' };
  });
}

/**
 * Disables a subscription: nothing more is recorded for it and what has not gone out is
 * cancelled (the deliveries and their attempts stay readable). Audit logged.
 */
export async function disableSubscription(pool: Pool, id: string, actor: string): Promise<WebhookSubscription> {
  return await withTransaction(pool, async (client) => {
    const before = await getSubscription(client, id);
    await client.query(`UPDATE webhook_subscriptions SET status = 'disabled', updated_at = now() WHERE id = $1`, [id]);
    await client.query(
      `UPDATE webhook_deliveries SET status = 'cancelled', finished_at = now(), last_error = 'subscription disabled'
        WHERE subscription_id = $1 AND status IN ('pending', 'retrying')`,
      [id],
    );
    await client.query(`DELETE FROM webhook_lanes l WHERE l.subscription_id = $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = l.head AND d.status = 'sending')`, [id]);
    const after = await getSubscription(client, id);
    await appendAudit(client, { actor, action: 'webhook.disable', subject: `webhook:${id}`, before: auditView(before), after: auditView(after) });
    return after;
  });
}

/** A new signing secret; the old one keeps signing too for `overlapSeconds`. Audit logged. */
export async function rotateSecret(pool: Pool, id: string, options: { overlapSeconds: number; secret?: string | undefined }, actor: string): Promise<WebhookSubscription> {
  return await withTransaction(pool, async (client) => {
    await getSubscription(client, id);
    await client.query(
      `UPDATE webhook_subscriptions SET previous_secret = secret, previous_secret_until = now() + make_interval(secs => $3), secret = $2, updated_at = now() WHERE id = $1`,
      [id, options.secret ?? newWebhookSecret(), options.overlapSeconds],
    );
    await appendAudit(client, { actor, action: 'webhook.rotate_secret', subject: `webhook:${id}`, after: { overlapSeconds: options.overlapSeconds } });
    return await getSubscription(client, id);
  });
}
