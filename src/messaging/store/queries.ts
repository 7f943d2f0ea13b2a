import type { Pool } from '../../db/index.js';
import { NotFoundError } from '../../errors/index.js';
import type { Channel } from '../templates/index.js';
import { normalizeAddress } from '../policies/index.js';
import type { MessageCategory, MessageStatus } from './send-records.js';

export interface MessageView {
  id: string;
  channel: Channel;
  message: string;
  category: MessageCategory;
  memberId: string | null;
  recipient: string | null;
  status: MessageStatus;
  attempts: number;
  /** Why it failed, was suppressed, capped or dead-lettered. */
  reason: string | null;
  providerId: string | null;
  templateKey: string | null;
  subject: string | null;
  heldUntil: Date | null;
  campaignId: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

interface MessageViewRow {
  id: string;
  channel: Channel;
  kind: string;
  category: MessageCategory;
  member_id: string | null;
  recipient: string | null;
  status: MessageStatus;
  attempts: number;
  error: string | null;
  provider_id: string | null;
  template_key: string | null;
  subject: string | null;
  held_until: Date | null;
  campaign_id: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

const VIEW_COLUMNS = `id, channel, kind, category, member_id, recipient, status, attempts, error, provider_id, template_key, subject, held_until, campaign_id, created_at, updated_at, sent_at`;

function view(r: MessageViewRow): MessageView {
  return {
    id: r.id,
    channel: r.channel,
    message: r.kind,
    category: r.category,
    memberId: r.member_id,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    reason: r.error,
    providerId: r.provider_id,
    templateKey: r.template_key,
    subject: r.subject,
    heldUntil: r.held_until,
    campaignId: r.campaign_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

export async function getMessage(pool: Pool, id: string): Promise<MessageView> {
  const { rows } = await pool.query<MessageViewRow>(`SELECT ${VIEW_COLUMNS} FROM messages WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('message_not_found', `message ${id} does not exist`, { id });
  return view(rows[0]);
}

/** Newest first, keyset-paginated by (created_at, id). */
export async function listMessages(
  pool: Pool,
  filter: { memberId?: string | undefined; status?: MessageStatus | undefined; campaignId?: string | undefined; limit: number; before?: { createdAt: Date; id: string } | undefined },
): Promise<MessageView[]> {
  const { rows } = await pool.query<MessageViewRow>(
    `SELECT ${VIEW_COLUMNS} FROM messages
      WHERE ($1::text IS NULL OR member_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR campaign_id = $3)
        AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    [filter.memberId ?? null, filter.status ?? null, filter.campaignId ?? null, filter.before?.createdAt ?? null, filter.before?.id ?? '', filter.limit],
  );
  return rows.map(view);
}

export type MessageStats = Record<MessageStatus, number> & { total: number };

export async function messageStats(pool: Pool, filter: { since?: Date | undefined; campaignId?: string | undefined; message?: string | undefined }): Promise<MessageStats> {
  const { rows } = await pool.query<{ status: MessageStatus; n: number }>(
    `SELECT status, count(*)::int AS n FROM messages
      WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::text IS NULL OR campaign_id = $2) AND ($3::text IS NULL OR kind = $3)
      GROUP BY status`,
    [filter.since ?? null, filter.campaignId ?? null, filter.message ?? null],
  );
  const stats: MessageStats = { queued: 0, held: 0, sending: 0, sent: 0, failed: 0, unknown: 0, suppressed: 0, capped: 0, dead: 0, total: 0 };
  for (const r of rows) {
    stats[r.status] = r.n;
    stats.total += r.n;
  }
  return stats;
}

export interface InboxItem {
  id: string;
  title: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
  /** The offer a campaign message carries (see GET /v1/members/:id/offers). */
  offerId: string | null;
}

export async function listInbox(pool: Pool, memberId: string, options: { limit: number; unreadOnly?: boolean }): Promise<{ items: InboxItem[]; unread: number }> {
  const [items, unread] = await Promise.all([
    pool.query<{ message_id: string; title: string; body: string; created_at: Date; read_at: Date | null; offer_id: string | null }>(
      `SELECT i.message_id, i.title, i.body, i.created_at, i.read_at, m.offer_id FROM inbox_items i JOIN messages m ON m.id = i.message_id
        WHERE i.member_id = $1 AND ($2::boolean IS NOT TRUE OR i.read_at IS NULL)
        ORDER BY i.created_at DESC, i.message_id DESC LIMIT $3`,
      [memberId, options.unreadOnly ?? false, options.limit],
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_items WHERE member_id = $1 AND read_at IS NULL`, [memberId]),
  ]);
  return {
    items: items.rows.map((r) => ({ id: r.message_id, title: r.title, body: r.body, createdAt: r.created_at, readAt: r.read_at, offerId: r.offer_id })),
    unread: unread.rows[0]?.n ?? 0,
  };
}

/** Idempotent: reading a read message keeps its first read time. */
export async function markInboxRead(pool: Pool, memberId: string, messageId: string): Promise<InboxItem> {
  const { rows } = await pool.query<{ message_id: string; title: string; body: string; created_at: Date; read_at: Date | null; offer_id: string | null }>(
    `UPDATE inbox_items i SET read_at = coalesce(i.read_at, now()) FROM messages m
      WHERE i.member_id = $1 AND i.message_id = $2 AND m.id = i.message_id
      RETURNING i.message_id, i.title, i.body, i.created_at, i.read_at, m.offer_id`,
    [memberId, messageId],
  );
  const r = rows[0];
  if (!r) throw new NotFoundError('message_not_found', `member ${memberId} has no inbox message ${messageId}`, { messageId });
  return { id: r.message_id, title: r.title, body: r.body, createdAt: r.created_at, readAt: r.read_at, offerId: r.offer_id };
}

/** Adds (or widens to `all`) a suppression. */
export async function addSuppression(
  pool: Pool,
  input: { channel: 'email' | 'sms'; address: string; scope: 'all' | 'marketing'; reason: string; memberId?: string | null },
): Promise<void> {
  await pool.query(
    `INSERT INTO suppressions (channel, address, scope, reason, member_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (channel, address) DO UPDATE SET
       scope = CASE WHEN suppressions.scope = 'all' OR EXCLUDED.scope = 'all' THEN 'all' ELSE 'marketing' END,
       reason = CASE WHEN EXCLUDED.scope = 'all' THEN EXCLUDED.reason ELSE suppressions.reason END`,
    [input.channel, normalizeAddress(input.channel, input.address), input.scope, input.reason, input.memberId ?? null],
  );
}

/**
 * One-click unsubscribe: the member's marketing consent for the channel is withdrawn and the
 * current address goes on the suppression list (marketing scope). Repeating it changes nothing.
 */
export async function unsubscribeMember(pool: Pool, memberId: string, channel: Channel): Promise<{ address: string | null }> {
  const { rows } = await pool.query<{ email: string | null; phone: string | null }>(
    `UPDATE members SET consent = jsonb_set(consent, ARRAY[$2::text], coalesce(consent -> $2, '{}'::jsonb) || '{"marketing": false}'::jsonb), updated_at = now()
      WHERE id = $1 RETURNING email, phone`,
    [memberId, channel],
  );
  const member = rows[0];
  if (!member) throw new NotFoundError('unknown_member', `member ${memberId} does not exist`, { memberId });
  const address = channel === 'email' ? member.email : channel === 'sms' ? member.phone : null;
  if (address && channel !== 'inbox') await addSuppression(pool, { channel, address, scope: 'marketing', reason: 'unsubscribed', memberId });
  return { address };
}
