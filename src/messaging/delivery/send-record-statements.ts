import type { Pool, PoolClient } from '../../db/index.js';
import type { Consent } from '../../members/index.js';
import type { MessageCategory, MessageStatus } from '../store/send-records.js';
import type { Channel } from '../templates/index.js';
import { createCoalescer } from '../../db/index.js';

export interface SendRecordRow {
  id: string;
  channel: Channel;
  kind: string;
  member_id: string | null;
  recipient: string | null;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  status: MessageStatus;
  attempts: number;
  vars: Record<string, unknown> | null;
  category: MessageCategory;
  headers: Record<string, string> | null;
  attempt_token: string | null;
  policy_at: Date | null;
  /** The member (null when unknown), joined in the same query. */
  mem_id: string | null;
  mem_email: string | null;
  mem_phone: string | null;
  mem_first_name: string | null;
  mem_locale: string | null;
  mem_time_zone: string | null;
  mem_attributes: Record<string, unknown> | null;
  mem_consent: Consent | null;
  mem_tier_id: string | null;
  /** The member was erased (data rights): nothing is sent to them. */
  mem_erased: boolean | null;
  /** The suppression-list entry for the member's current address on this channel, if any. */
  sup_scope: 'all' | 'marketing' | null;
  sup_reason: string | null;
}

/** A message rendered for its recipient, ready to claim and send. */
export interface RenderedMessage {
  recipient: string;
  subject: string | null;
  text: string | null;
  html: string | null;
  headers: Record<string, string> | null;
  templateKey: string | null;
  locale: string | null;
}

/** What a first claim stores: the rendered content a retry will resend byte for byte. */
export interface FirstClaim extends RenderedMessage {
  id: string;
  /** The status the attempt read: the compare in compare-and-set. */
  status: MessageStatus;
  token: string;
  policyAt: Date;
}

// The record, its member and the member's suppression entry, for every id in the batch.
const LOAD_SQL = `
  SELECT msg.id, msg.channel, msg.kind, msg.member_id, msg.recipient, msg.subject, msg.body_text, msg.body_html, msg.status,
         msg.attempts, msg.vars, msg.category, msg.headers, msg.attempt_token, msg.policy_at,
         mem.id AS mem_id, mem.email AS mem_email, mem.phone AS mem_phone, mem.first_name AS mem_first_name, mem.locale AS mem_locale,
         mem.time_zone AS mem_time_zone, mem.attributes AS mem_attributes, mem.consent AS mem_consent, mem.tier_id AS mem_tier_id,
         mem.erased_at IS NOT NULL AS mem_erased,
         sup.scope AS sup_scope, sup.reason AS sup_reason
    FROM messages msg
    LEFT JOIN members mem ON mem.id = msg.member_id
    LEFT JOIN suppressions sup ON sup.channel = msg.channel
         AND sup.address = CASE msg.channel WHEN 'email' THEN lower(trim(mem.email)) WHEN 'sms' THEN trim(mem.phone) END
   WHERE msg.id = ANY($1::text[])`;

// Compare-and-set of each record into `sending`, storing what was rendered. A row whose status
// moved since it was read (or that passed its policies before) is left alone and not returned.
const CLAIM_FIRST_SQL = `
  UPDATE messages m
     SET status = 'sending', attempt_token = v.token, attempt_started_at = now(), attempts = m.attempts + 1, policy_at = v.policy_at,
         recipient = v.recipient, subject = v.subject, body_text = v.body_text, body_html = v.body_html, headers = v.headers,
         template_key = coalesce(v.template_key, m.template_key), locale = coalesce(v.locale, m.locale), held_until = NULL, updated_at = now()
    FROM json_to_recordset($1::json) AS v(id text, status text, token text, recipient text, subject text, body_text text, body_html text,
                                          headers jsonb, template_key text, locale text, policy_at timestamptz)
   WHERE m.id = v.id AND m.status = v.status AND m.policy_at IS NULL
  RETURNING m.id, m.attempt_token`;

// Only the attempt holding the token may say the message went out.
const MARK_SENT_SQL = `
  UPDATE messages m SET status = 'sent', provider_id = v.provider_id, sent_at = now(), error = NULL, updated_at = now()
    FROM json_to_recordset($1::json) AS v(id text, token text, provider_id text)
   WHERE m.id = v.id AND m.attempt_token = v.token AND m.status = 'sending'`;

function claimJson(claims: readonly FirstClaim[]): string {
  return JSON.stringify(
    claims.map((c) => ({
      id: c.id,
      status: c.status,
      token: c.token,
      recipient: c.recipient,
      subject: c.subject,
      body_text: c.text,
      body_html: c.html,
      headers: c.headers,
      template_key: c.templateKey,
      locale: c.locale,
      policy_at: c.policyAt.toISOString(),
    })),
  );
}

/** One first claim inside the caller's transaction (the frequency-capped path). */
export async function claimFirstIn(client: PoolClient, claim: FirstClaim): Promise<boolean> {
  const { rows } = await client.query<{ id: string; attempt_token: string }>(CLAIM_FIRST_SQL, [claimJson([claim])]);
  return rows.some((r) => r.id === claim.id && r.attempt_token === claim.token);
}

/**
 * The three statements every delivery runs (load, claim, mark sent), each coalesced across the
 * deliveries in flight: N concurrent deliveries cost one round trip per step instead of N. Each
 * row keeps its own compare-and-set, so batching changes no outcome; a record appears at most
 * once per statement.
 */
export class SendRecordStatements {
  readonly load: (id: string) => Promise<SendRecordRow | undefined>;
  /** True when this claim won the record (its token is the one stored). */
  readonly claimFirst: (claim: FirstClaim) => Promise<boolean>;
  readonly markSent: (mark: { id: string; token: string; providerId: string }) => Promise<void>;

  constructor(pool: Pool, options: { maxBatch?: number; maxInFlight?: number } = {}) {
    const maxBatch = options.maxBatch ?? 100;
    // Two statements of a kind at once: a request that just missed a call waits for less than a
    // whole round trip. Statements on the same row in different calls serialize on its row lock
    // and each keeps its compare-and-set.
    const maxInFlight = options.maxInFlight ?? 2;
    this.load = createCoalescer(
      async (ids: readonly string[]) => {
        const { rows } = await pool.query<SendRecordRow>(LOAD_SQL, [[...new Set(ids)]]);
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id));
      },
      { maxBatch, maxInFlight },
    );
    this.claimFirst = createCoalescer(
      async (claims: readonly FirstClaim[]) => {
        const { rows } = await pool.query<{ id: string; attempt_token: string }>(CLAIM_FIRST_SQL, [claimJson(claims)]);
        const won = new Map(rows.map((r) => [r.id, r.attempt_token]));
        return claims.map((c) => won.get(c.id) === c.token);
      },
      { maxBatch, maxInFlight, key: (c) => c.id },
    );
    this.markSent = createCoalescer(
      async (marks: readonly { id: string; token: string; providerId: string }[]) => {
        await pool.query(MARK_SENT_SQL, [JSON.stringify(marks.map((m) => ({ id: m.id, token: m.token, provider_id: m.providerId })))]);
        return marks.map(() => undefined);
      },
      { maxBatch, maxInFlight, key: (m) => m.id },
    );
  }
}
