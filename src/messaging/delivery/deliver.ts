import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from '../../db/index.js';
import { LaurelError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import type { Member } from '../../members/index.js';
import { SendError, type ChannelAdapter } from '../channels/index.js';
import { resolveBatchVars } from '../notifications/points-earned.js';
import { capExceeded, capPeriods, checkAddress, consentAllows, quietHoursApply, quietHoursRelease, type FrequencyCaps, type QuietHours } from '../policies/index.js';
import type { ChannelReconciler } from '../reconcile/index.js';
import type { MessageStatus } from '../store/send-records.js';
import { FINAL_STATUSES } from '../store/send-records.js';
import { messageDefinition, renderMessage, type Channel, type RenderMember, type TemplateSource } from '../templates/index.js';
import { listUnsubscribeHeaders, unsubscribeUrl } from '../unsubscribe.js';
import type { ChannelRateLimiter } from './rate-limit.js';
import { claimFirstIn, SendRecordStatements, type FirstClaim, type RenderedMessage, type SendRecordRow } from './send-record-statements.js';

type LoadedMember = Pick<Member, 'id' | 'email' | 'phone' | 'firstName' | 'locale' | 'timeZone' | 'attributes' | 'consent' | 'tierId'>;

function memberOf(row: SendRecordRow): LoadedMember | undefined {
  if (!row.mem_id) return undefined;
  return {
    id: row.mem_id,
    email: row.mem_email,
    phone: row.mem_phone,
    firstName: row.mem_first_name,
    locale: row.mem_locale ?? 'en',
    timeZone: row.mem_time_zone,
    attributes: row.mem_attributes ?? {},
    consent: row.mem_consent ?? {},
    tierId: row.mem_tier_id ?? '',
  };
}

export interface DeliveryPolicySettings {
  quietHours: QuietHours | undefined;
  caps: FrequencyCaps;
}

export interface DeliveryDeps {
  pool: Pool;
  channels: ReadonlyMap<Channel, ChannelAdapter>;
  reconcilers: ReadonlyMap<Channel, ChannelReconciler>;
  templates: TemplateSource;
  rateLimiter?: ChannelRateLimiter | undefined;
  policy: DeliveryPolicySettings;
  links: { publicUrl: string; unsubscribeSecret: string };
  maxAttempts: number;
  logger: Logger;
  now?: () => Date;
}

export type DeliveryOutcome =
  | { status: 'sent'; providerId: string; reconciled?: boolean }
  | { status: 'already_final'; finalStatus: MessageStatus }
  | { status: 'suppressed' | 'capped'; reason: string }
  | { status: 'held'; until: Date }
  | { status: 'retry'; reason: string; attempts: number }
  | { status: 'dead'; reason: string };

const CLAIM_AGAIN_SQL = `
  UPDATE messages SET status = 'sending', attempt_token = $3, attempt_started_at = now(), attempts = attempts + 1, updated_at = now()
   WHERE id = $1 AND status = $2 AND attempt_token IS NOT DISTINCT FROM $4`;

/**
 * The key of a member's frequency-cap lock, as a bigint literal: it can then ride in the same
 * simple-protocol round trip as BEGIN (no parameters there).
 */
export function capLockKey(memberId: string): string {
  return createHash('sha256').update(`laurel.cap.${memberId}`).digest().readBigInt64BE(0).toString();
}

function firstClaim(row: SendRecordRow, token: string, prepared: RenderedMessage, now: Date): FirstClaim {
  return {
    id: row.id,
    status: row.status,
    token,
    recipient: prepared.recipient,
    subject: prepared.subject,
    text: prepared.text,
    html: prepared.html,
    headers: prepared.headers,
    templateKey: prepared.templateKey,
    locale: prepared.locale,
    policyAt: now,
  };
}

/** A failure retrying cannot fix: the message is dead-lettered with this reason at once. */
class PermanentFailure extends Error {}


function reasonOf(err: unknown): string {
  if (err instanceof LaurelError) return `${err.code}: ${err.message}`;
  if (err instanceof SendError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

function renderMember(member: LoadedMember): RenderMember {
  return {
    id: member.id,
    firstName: member.firstName,
    email: member.email,
    phone: member.phone,
    locale: member.locale,
    timeZone: member.timeZone ?? 'UTC',
    tier: member.tierId,
    attributes: member.attributes,
  };
}

/**
 * One delivery attempt of one message, safe to run any number of times:
 *
 * 1. a message in a final state (sent, suppressed, capped, dead) completes without sending;
 * 2. a message found `sending` (an attempt died after it may have handed the message over) or
 *    `unknown` (the connection broke mid-send) is reconciled with the provider first: delivered →
 *    marked sent, never resent; not found → sent again; undeterminable → dead-lettered rather
 *    than risk a duplicate (channels whose resend is idempotent skip this);
 * 3. otherwise policies run (consent, suppression, quiet hours, frequency cap), the message is
 *    rendered, and it is claimed (`sending` + a fresh attempt token) in the send record before
 *    the channel is called; only the attempt holding the token may mark it sent.
 */
export class MessageDelivery {
  private readonly now: () => Date;
  private readonly statements: SendRecordStatements;

  constructor(private readonly deps: DeliveryDeps) {
    this.now = deps.now ?? (() => new Date());
    this.statements = new SendRecordStatements(deps.pool);
  }

  async deliver(messageId: string): Promise<DeliveryOutcome> {
    const row = await this.statements.load(messageId);
    if (!row) return { status: 'dead', reason: `no_send_record: message ${messageId} has no send record` };
    if (FINAL_STATUSES.has(row.status)) return { status: 'already_final', finalStatus: row.status };
    const channel = this.deps.channels.get(row.channel);
    if (!channel) return this.dead(row.id, `channel_unavailable: the ${row.channel} channel is not configured`);
    try {
      if (row.status === 'sending' || row.status === 'unknown') {
        const settled = await this.reconcile(row, channel);
        if (settled) return settled;
      }
      // Erasure suppresses what is queued in its transaction; this catches anything written after.
      if (row.mem_erased) return await this.finish(row.id, 'suppressed', 'member_erased: the member was erased (data rights); nothing is sent to them');
      let token: string;
      let prepared: RenderedMessage;
      if (row.policy_at) {
        // Policies passed on an earlier attempt (and a marketing message already counts toward
        // the cap): send the content fixed then.
        prepared = {
          recipient: row.recipient ?? '',
          subject: row.subject,
          text: row.body_text,
          html: row.body_html,
          headers: row.headers,
          templateKey: null,
          locale: null,
        };
        const claimed = await this.claim(row, null);
        if (typeof claimed !== 'string') return claimed ?? this.lostRace(row.id);
        token = claimed;
      } else {
        const decision = await this.applyPolicies(row);
        if ('status' in decision) return decision;
        prepared = decision;
        const claimed = await this.claim(row, prepared);
        if (typeof claimed !== 'string') return claimed ?? this.lostRace(row.id);
        token = claimed;
      }
      await this.deps.rateLimiter?.acquire(row.channel);
      return await this.send(row, channel, prepared, token);
    } catch (err) {
      if (err instanceof PermanentFailure || (err instanceof LaurelError && err.status < 500)) return this.dead(row.id, reasonOf(err));
      return this.retry(row.id, reasonOf(err), null);
    }
  }

  private async reconcile(row: SendRecordRow, channel: ChannelAdapter): Promise<DeliveryOutcome | undefined> {
    if (channel.idempotentResend) return undefined;
    const reconciler = this.deps.reconcilers.get(row.channel);
    if (!reconciler) {
      return this.dead(row.id, 'delivery_unknown: an earlier attempt may have delivered this message and the channel cannot be asked; not resent');
    }
    const outcome = await reconciler.lookup(row.id);
    if (outcome.state === 'delivered') {
      await this.deps.pool.query(
        `UPDATE messages SET status = 'sent', provider_id = $2, sent_at = now(), error = NULL, updated_at = now() WHERE id = $1 AND status IN ('sending', 'unknown')`,
        [row.id, `reconciled:${outcome.providerId}`],
      );
      this.deps.logger.info({ messageId: row.id }, 'reconciled: the earlier attempt had delivered the message');
      return { status: 'sent', providerId: outcome.providerId, reconciled: true };
    }
    if (outcome.state === 'unknown') return this.retry(row.id, `reconcile_failed: ${outcome.reason}`, null);
    return undefined;
  }

  /** Consent, address, suppression, quiet hours; then render. The cap is checked when claiming. */
  private async applyPolicies(row: SendRecordRow): Promise<RenderedMessage | DeliveryOutcome> {
    const { pool } = this.deps;
    if (!row.member_id) {
      // A test-send or a prerendered system message: addressed and written by the caller.
      if (row.subject === null && row.body_text === null && row.body_html === null && row.category !== 'test') {
        throw new PermanentFailure('invalid_message: neither a member nor content');
      }
      const recipient = checkAddress(row.channel, row.recipient);
      if (row.category === 'test' && row.vars && row.subject === null) {
        // Test-send of a template: rendered for the sample member described in vars.
        const rendered = await this.render(row, row.vars.__sampleMember as RenderMember, (row.vars.__vars as Record<string, unknown>) ?? {});
        return { ...rendered, recipient };
      }
      return { recipient, subject: row.subject, text: row.body_text, html: row.body_html, headers: row.headers, templateKey: null, locale: null };
    }
    const member = memberOf(row);
    if (!member) throw new PermanentFailure(`unknown_member: member ${row.member_id} does not exist`);
    const definition = messageDefinition(row.kind);
    if (!definition) throw new PermanentFailure(`template_not_found: unknown message ${row.kind}`);
    const kind = row.category;
    if (!consentAllows(member.consent, row.channel, kind)) {
      return this.finish(row.id, 'suppressed', `no_consent: the member has not consented to ${kind} ${row.channel}`);
    }
    const address = row.channel === 'email' ? member.email : row.channel === 'sms' ? member.phone : member.id;
    const recipient = checkAddress(row.channel, address);
    if (row.channel !== 'inbox' && row.sup_scope && (row.sup_scope === 'all' || kind === 'marketing')) {
      return this.finish(row.id, 'suppressed', `suppressed: ${recipient} is on the suppression list (${row.sup_reason ?? 'no reason'})`);
    }
    const timeZone = member.timeZone ?? 'UTC';
    if (quietHoursApply(kind, row.channel)) {
      const until = quietHoursRelease(this.now(), timeZone, this.deps.policy.quietHours);
      if (until) {
        await pool.query(`UPDATE messages SET status = 'held', held_until = $2, updated_at = now() WHERE id = $1 AND status = $3`, [row.id, until, row.status]);
        return { status: 'held', until };
      }
    }
    const vars = row.vars?.__batch ? await resolveBatchVars(pool, member.id, row.vars.__batch as { from: string; to: string }) : (row.vars ?? {});
    if (vars === undefined) return this.finish(row.id, 'suppressed', 'nothing_to_report: the batch has no points left');
    const rendered = await this.render(row, renderMember(member), vars, member);
    return { ...rendered, recipient };
  }

  private async render(row: SendRecordRow, member: RenderMember, vars: Record<string, unknown>, realMember?: LoadedMember): Promise<Omit<RenderedMessage, 'recipient'>> {
    const link = realMember && row.channel !== 'inbox' ? unsubscribeUrl(this.deps.links.publicUrl, this.deps.links.unsubscribeSecret, { memberId: realMember.id, channel: row.channel }) : undefined;
    const links = { unsubscribe: link ?? `${this.deps.links.publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/test-send` };
    const rendered = await renderMessage({ source: this.deps.templates, message: row.kind, channel: row.channel, member, vars, now: this.now(), links });
    const headers = row.channel === 'email' && link && rendered.kind === 'marketing' ? listUnsubscribeHeaders(link) : null;
    return {
      subject: rendered.subject ?? rendered.title ?? null,
      text: rendered.text ?? rendered.body ?? null,
      html: rendered.html ?? null,
      headers,
      templateKey: rendered.templateKey,
      locale: rendered.locale,
    };
  }

  /**
   * Compare-and-set into `sending` with a fresh attempt token. With content (first pass) the
   * rendered message is stored with it, and for marketing the frequency cap is checked under a
   * per-member lock in the same transaction, so concurrent messages cannot both take the last slot.
   */
  private async claim(row: SendRecordRow, prepared: RenderedMessage | null): Promise<string | DeliveryOutcome | undefined> {
    const token = randomUUID();
    const member = memberOf(row);
    if (!prepared) {
      const { rowCount } = await this.deps.pool.query(CLAIM_AGAIN_SQL, [row.id, row.status, token, row.attempt_token]);
      return rowCount === 1 ? token : undefined;
    }
    if (!(row.category === 'marketing' && member)) {
      return (await this.statements.claimFirst(firstClaim(row, token, prepared, this.now()))) ? token : undefined;
    }
    const client = await this.deps.pool.connect();
    try {
      // The lock is taken before the count's snapshot: a message claimed by a concurrent attempt
      // either committed (and is counted) or waits for this transaction.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${capLockKey(member.id)})`);
      const periods = capPeriods(this.now(), member.timeZone ?? 'UTC', member.locale);
      const { rows } = await client.query<{ today: number; week: number }>(
        `SELECT count(*) FILTER (WHERE policy_at >= $2)::int AS today, count(*) FILTER (WHERE policy_at >= $3)::int AS week
           FROM messages
          WHERE member_id = $1 AND category = 'marketing' AND policy_at >= least($2, $3)
            AND status IN ('sending', 'sent', 'failed', 'unknown') AND id <> $4`,
        [member.id, periods.dayStart, periods.weekStart, row.id],
      );
      const counts = rows[0] ?? { today: 0, week: 0 };
      const cap = this.deps.policy.caps[member.tierId];
      const exceeded = capExceeded(cap, counts.today, counts.week);
      if (exceeded) {
        const limit = exceeded === 'day' ? cap?.day : cap?.week;
        await client.query(`UPDATE messages SET status = 'capped', error = $2, updated_at = now() WHERE id = $1 AND status = $3`, [
          row.id,
          `frequency_cap: ${member.tierId} members get at most ${limit} marketing message(s) per ${exceeded}`,
          row.status,
        ]);
        await client.query('COMMIT');
        return { status: 'capped', reason: `frequency cap per ${exceeded}` };
      }
      const won = await claimFirstIn(client, firstClaim(row, token, prepared, this.now()));
      await client.query('COMMIT');
      return won ? token : undefined;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async send(row: SendRecordRow, channel: ChannelAdapter, prepared: RenderedMessage, token: string): Promise<DeliveryOutcome> {
    try {
      const { providerId } = await channel.send({
        messageId: row.id,
        channel: row.channel,
        memberId: row.member_id,
        to: prepared.recipient,
        subject: prepared.subject ?? undefined,
        text: prepared.text ?? undefined,
        html: prepared.html ?? undefined,
        headers: prepared.headers ?? undefined,
      });
      await this.statements.markSent({ id: row.id, token, providerId });
      return { status: 'sent', providerId };
    } catch (err) {
      if (!(err instanceof SendError)) return this.retry(row.id, reasonOf(err), 'unknown');
      if (err.kind === 'permanent') return this.dead(row.id, reasonOf(err));
      return this.retry(row.id, reasonOf(err), err.kind === 'ambiguous' ? 'unknown' : 'failed');
    }
  }

  /** Records the failure; dead-letters after the last attempt, otherwise asks for a retry. */
  private async retry(id: string, reason: string, status: 'failed' | 'unknown' | null): Promise<DeliveryOutcome> {
    const { rows } = await this.deps.pool.query<{ attempts: number }>(
      `UPDATE messages SET status = CASE WHEN $3::text IS NULL THEN status ELSE $3::text END,
              attempts = CASE WHEN $3::text IS NOT NULL THEN attempts ELSE attempts + 1 END,
              error = $2, updated_at = now()
        WHERE id = $1 AND status NOT IN ('sent', 'suppressed', 'capped', 'dead') RETURNING attempts`,
      [id, reason, status],
    );
    const attempts = rows[0]?.attempts ?? this.deps.maxAttempts;
    if (attempts >= this.deps.maxAttempts) return this.dead(id, `${reason} (after ${attempts} attempts)`);
    return { status: 'retry', reason, attempts };
  }

  private async dead(id: string, reason: string): Promise<DeliveryOutcome> {
    await this.deps.pool.query(`UPDATE messages SET status = 'dead', error = $2, updated_at = now() WHERE id = $1 AND status NOT IN ('sent', 'suppressed', 'capped')`, [id, reason]);
    this.deps.logger.warn({ messageId: id, reason }, 'message dead-lettered');
    return { status: 'dead', reason };
  }

  private async finish(id: string, status: 'suppressed' | 'capped', reason: string): Promise<DeliveryOutcome> {
    await this.deps.pool.query(`UPDATE messages SET status = $2, error = $3, updated_at = now() WHERE id = $1 AND status NOT IN ('sent', 'dead')`, [id, status, reason]);
    return { status, reason };
  }

  /** Another attempt changed the record between our read and our claim: let the job look again. */
  private async lostRace(id: string): Promise<DeliveryOutcome> {
    const { rows } = await this.deps.pool.query<{ status: MessageStatus }>(`SELECT status FROM messages WHERE id = $1`, [id]);
    const status = rows[0]?.status;
    if (status && FINAL_STATUSES.has(status)) return { status: 'already_final', finalStatus: status };
    return { status: 'retry', reason: 'concurrent_attempt: the send record changed under this attempt', attempts: 0 };
  }
}
