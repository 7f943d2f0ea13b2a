import type { Pool, PoolClient } from '../db/index.js';
import { emptyLedgerWrite, MemberLedger, type LedgerWrite, type ReturnPolicy } from './core/index.js';
import { loadMemberLots } from './lot-rows.js';

/** A member's ledger with its open lots, for a caller that holds the member row lock (redemptions, awards, adjustments). */
export async function openMemberLedger(
  client: PoolClient,
  opts: { memberId: string; returnPolicy: ReturnPolicy; programVersion: number; source: string },
): Promise<MemberLedger> {
  return MemberLedger.fromLots(await loadMemberLots(client, opts.memberId), opts);
}

/** Writes what `ledger` decided, for a caller that holds the member row lock; returns the new balance. */
export async function writeMemberLedger(
  client: PoolClient,
  ledger: MemberLedger,
  member: { lastActivityAt?: Date } = {},
): Promise<{ available: number; pending: number; total: number }> {
  const write = emptyLedgerWrite();
  write.members.push({ id: ledger.memberId, expectedVersion: null, lastActivityAt: member.lastActivityAt ?? null, tier: null, clearGrace: false });
  const balance = ledger.collect(write);
  await writeLedger(client, write);
  return balance;
}


/**
 * Writes everything in ONE statement (round trips are the cost that matters): the member rows
 * first, each guarded by the ledger version its writer read; every other row is written only for
 * members whose guard held, so a member is written entirely or not at all. Returns the ids written;
 * the caller retries the others. Outside a transaction the statement is its own transaction.
 *
 * Each table's rows travel as ONE JSON parameter (the write's own objects, stringified natively,
 * read by json_to_recordset under their camelCase keys): encoding ~75 parallel arrays element by
 * element in pg's JavaScript (escaping every string, formatting every Date, the event result JSON
 * escaped again inside a jsonb[]) was ~10% of the event path's CPU.
 */
export async function writeLedger(db: Pool | PoolClient, w: LedgerWrite): Promise<Set<string>> {
  if (w.members.length === 0) return new Set();
  const offerOfEntry: Record<string, { offerId: string; campaignId: string | null }> = {};
  for (const u of w.offerUses) offerOfEntry[u.entryKey] = { offerId: u.offerId, campaignId: u.campaignId };
  const { rows } = await db.query<{ written: string[] }>({
    name: 'ledger_write_json',
    text: `WITH guard AS (
       UPDATE members m SET
         ledger_version   = m.ledger_version + 1,
         last_activity_at = CASE WHEN u."lastActivityAt" IS NULL THEN m.last_activity_at
                                 ELSE greatest(coalesce(m.last_activity_at, u."lastActivityAt"), u."lastActivityAt") END,
         tier_id          = coalesce(u.tier->>'tierId', m.tier_id),
         tier_started_at  = coalesce((u.tier->>'startedAt')::timestamptz, m.tier_started_at),
         next_review_at   = CASE WHEN u.tier IS NULL THEN m.next_review_at ELSE coalesce((u.tier->>'nextReviewAt')::timestamptz, m.next_review_at) END,
         grace_until      = CASE WHEN u.tier IS NOT NULL OR u."clearGrace" THEN NULL ELSE m.grace_until END,
         updated_at       = CASE WHEN u.tier IS NULL THEN m.updated_at ELSE now() END
       FROM json_to_recordset($1::json) AS u(id text, "expectedVersion" bigint, "lastActivityAt" timestamptz, tier json, "clearGrace" boolean)
       WHERE m.id = u.id AND (u."expectedVersion" IS NULL OR m.ledger_version = u."expectedVersion")
       RETURNING m.id
     ),
     new_lots AS (
       INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points,
                         order_id, order_amount, clawed_back_points, rule_id)
       SELECT l.id, l."memberId", l.kind, l.status, l."earnedAt", l."expiresAt", l."pendingUntil", l."originalPoints", l."remainingPoints",
              l."orderId", l."orderAmount", l."clawedBackPoints", l."ruleId"
         FROM json_to_recordset($2::json) AS l(id text, "memberId" text, kind text, status text, "earnedAt" timestamptz, "expiresAt" timestamptz,
                                               "pendingUntil" timestamptz, "originalPoints" bigint, "remainingPoints" bigint, "orderId" text,
                                               "orderAmount" bigint, "clawedBackPoints" bigint, "ruleId" text)
        WHERE l."memberId" IN (SELECT id FROM guard)
     ),
     changed_lots AS (
       UPDATE lots SET status = u.status, remaining_points = u."remainingPoints", clawed_back_points = u."clawedBackPoints"
         FROM json_to_recordset($3::json) AS u(id text, status text, "remainingPoints" bigint, "clawedBackPoints" bigint, "memberId" text)
        WHERE lots.id = u.id AND u."memberId" IN (SELECT id FROM guard)
     ),
     entry_rows AS MATERIALIZED (
       SELECT * FROM ROWS FROM (json_to_recordset($4::json) AS (
                       "idempotencyKey" text, "memberId" text, kind text, amount bigint, "qualifyingPoints" bigint, pending boolean, at timestamptz,
                       "eventId" text, "ruleId" text, component text, "orderId" text, "rewardId" text, source text, "programVersion" int,
                       actor text, reason text, allocations json)) WITH ORDINALITY AS e
        WHERE e."memberId" IN (SELECT id FROM guard)
     ),
     entries AS (
       INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component,
                                   order_id, reward_id, source, program_version, actor, reason, offer_id, campaign_id)
       SELECT e."idempotencyKey", e."memberId", e.kind, e.amount, e."qualifyingPoints", e.pending, e.at, e."eventId", e."ruleId", e.component,
              e."orderId", e."rewardId", e.source, e."programVersion", e.actor, e.reason,
              $5::jsonb -> e."idempotencyKey" ->> 'offerId', $5::jsonb -> e."idempotencyKey" ->> 'campaignId'
         FROM entry_rows e
        ORDER BY e.ordinality
       RETURNING seq, idempotency_key
     ),
     allocations AS (
       INSERT INTO lot_allocations (entry_seq, lot_id, points)
       SELECT entries.seq, a."lotId", a.points
         FROM entry_rows e
         CROSS JOIN json_to_recordset(e.allocations) AS a("lotId" text, points bigint)
         JOIN entries ON entries.idempotency_key = e."idempotencyKey"
     ),
     balances AS (
       INSERT INTO member_balances (member_id, available, pending, lifetime_earned, updated_at)
       SELECT b."memberId", b.available, b.pending, b.earned, now()
         FROM json_to_recordset($6::json) AS b("memberId" text, available bigint, pending bigint, earned bigint)
        WHERE b."memberId" IN (SELECT id FROM guard)
       ON CONFLICT (member_id) DO UPDATE SET available = member_balances.available + EXCLUDED.available, pending = member_balances.pending + EXCLUDED.pending,
         lifetime_earned = member_balances.lifetime_earned + EXCLUDED.lifetime_earned, updated_at = now()
     ),
     tier_changes AS (
       INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key)
       SELECT t."memberId", t."fromTier", t."toTier", t.reason, t.at, t."programVersion", t."reviewKey"
         FROM json_to_recordset($7::json) AS t("memberId" text, "fromTier" text, "toTier" text, reason text, at timestamptz, "programVersion" int, "reviewKey" text)
        WHERE t."memberId" IN (SELECT id FROM guard)
     ),
     refunds AS (
       INSERT INTO order_refunds (member_id, order_id, refunded_total)
       SELECT r."memberId", r."orderId", r."refundedTotal"
         FROM json_to_recordset($8::json) AS r("memberId" text, "orderId" text, "refundedTotal" bigint)
        WHERE r."memberId" IN (SELECT id FROM guard)
       ON CONFLICT (member_id, order_id) DO UPDATE SET refunded_total = EXCLUDED.refunded_total
     ),
     events AS (
       INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, properties, source, program_version, result)
       SELECT v.id, v."idempotencyKey", v."memberId", v.type, v."occurredAt", v.amount, v."orderId", v.properties, v.source, v."programVersion", v.result
         FROM json_to_recordset($9::json) AS v(id text, "idempotencyKey" text, "memberId" text, type text, "occurredAt" timestamptz, amount bigint,
                                               "orderId" text, properties jsonb, source text, "programVersion" int, result jsonb)
        WHERE v."memberId" IN (SELECT id FROM guard)
     ),
     -- The stored payload carries the delay for the relay (outboxPayload in src/outbox).
     outbox AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT o.queue, o.name, o."jobId",
              CASE WHEN coalesce(o."delayMs", 0) <> 0 THEN o.payload || jsonb_build_object('__delayMs', o."delayMs") ELSE o.payload END
         FROM json_to_recordset($10::json) AS o(queue text, name text, "jobId" text, payload jsonb, "delayMs" numeric, "memberId" text)
        WHERE o."memberId" IN (SELECT id FROM guard)
       ON CONFLICT (job_id) DO NOTHING
     ),
     offer_used AS (
       SELECT * FROM json_to_recordset($11::json)
                     AS u("grantId" bigint, "offerId" text, "memberId" text, "campaignId" text, "eventId" text, "orderId" text, points bigint, at timestamptz)
        WHERE u."memberId" IN (SELECT id FROM guard)
     ),
     offer_uses AS (
       INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, order_id, points, at)
       SELECT "grantId", "offerId", "memberId", "campaignId", 'bonus', "eventId", "orderId", points, at FROM offer_used
     ),
     offer_grant_counters AS (
       UPDATE offer_grants g SET uses = g.uses + s.uses, points_given = g.points_given + s.points,
              first_used_at = least(coalesce(g.first_used_at, s.first_at), s.first_at), last_used_at = greatest(coalesce(g.last_used_at, s.last_at), s.last_at)
         FROM (SELECT "grantId" AS grant_id, count(*) AS uses, sum(points) AS points, min(at) AS first_at, max(at) AS last_at FROM offer_used GROUP BY "grantId") s
        WHERE g.id = s.grant_id
     ),
     -- A budgeted offer's total: its CHECK offers_within_budget fails the whole write when holders
     -- spent past it at the same time (the event path then decides again with the new total).
     offer_budgets AS (
       UPDATE offers o SET points_given = o.points_given + s.points
         FROM (SELECT "offerId" AS offer_id, sum(points) AS points FROM offer_used GROUP BY "offerId") s
        WHERE o.id = s.offer_id AND o.budget_points IS NOT NULL
     )
     SELECT array(SELECT id FROM guard) AS written,
            CASE WHEN $12::boolean THEN pg_notify('laurel_outbox', '') END AS notified`,
    values: [
      JSON.stringify(w.members),
      JSON.stringify(w.createdLots),
      JSON.stringify(w.changedLots),
      JSON.stringify(w.entries),
      JSON.stringify(offerOfEntry),
      JSON.stringify(w.balances),
      JSON.stringify(w.tierChanges),
      JSON.stringify(w.orderRefunds),
      JSON.stringify(w.events),
      JSON.stringify(w.outbox),
      JSON.stringify(w.offerUses),
      w.outbox.length > 0,
    ],
  });
  return new Set(rows[0]!.written);
}
