import type { Pool, PoolClient } from '../db/index.js';
import { outboxPayload } from '../outbox/index.js';
import { emptyLedgerWrite, MemberLedger, type LedgerWrite, type Lot, type ReturnPolicy } from './core/index.js';
import { loadMemberLots } from './lot-rows.js';
import { resultJson } from './result-json.js';
import { epochMsArray, instantFromEpochMs as ts, scalarArray, textArray } from '../db/array-literal.js';

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
 */
export async function writeLedger(db: Pool | PoolClient, w: LedgerWrite): Promise<Set<string>> {
  if (w.members.length === 0) return new Set();
  const allocations = w.entries.flatMap((e) => e.allocations.map((a) => ({ key: e.idempotencyKey, ...a })));
  const offerUseOf = new Map(w.offerUses.map((u) => [u.entryKey, u]));
  const { rows } = await db.query<{ written: string[] }>({
    name: 'ledger_write',
    text: `WITH deltas AS (
       SELECT * FROM unnest($45::text[], $46::bigint[], $47::bigint[], $48::bigint[]) AS b(member_id, available, pending, earned)
     ),
     -- The guard is the member's balance row (narrow, HOT-updated): version bump, last activity and
     -- the balance deltas in one UPDATE. A member with no balance row yet gets one (its writer read
     -- version 0; a concurrent writer's row makes the INSERT do nothing, so that write retries).
     guard_update AS (
       UPDATE member_balances b SET
         ledger_version   = b.ledger_version + 1,
         last_activity_at = CASE WHEN u.last_activity IS NULL THEN b.last_activity_at
                                 ELSE greatest(coalesce(b.last_activity_at, u.last_activity), u.last_activity) END,
         available        = b.available + coalesce(d.available, 0),
         pending          = b.pending + coalesce(d.pending, 0),
         lifetime_earned  = b.lifetime_earned + coalesce(d.earned, 0),
         -- The review schedule (migration 0075) moves only with a tier change that sets it; a tier
         -- change or a decision that clears the grace ends it (0076).
         next_review_at   = coalesce(u.next_review_at, b.next_review_at),
         grace_until      = CASE WHEN u.tier_id IS NOT NULL OR u.clear_grace THEN NULL ELSE b.grace_until END,
         updated_at       = now()
       FROM (SELECT id, expected, ${ts('last_ms')} AS last_activity, tier_id, ${ts('review_ms')} AS next_review_at, clear_grace
               FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $6::bigint[], $7::boolean[])
                    AS u(id, expected, last_ms, tier_id, review_ms, clear_grace)) u
            LEFT JOIN deltas d ON d.member_id = u.id
       WHERE b.member_id = u.id AND (u.expected IS NULL OR b.ledger_version = u.expected)
       RETURNING b.member_id AS id
     ),
     guard_insert AS (
       INSERT INTO member_balances (member_id, available, pending, lifetime_earned, ledger_version, last_activity_at, updated_at)
       SELECT u.id, coalesce(d.available, 0), coalesce(d.pending, 0), coalesce(d.earned, 0), 1, u.last_activity, now()
         FROM (SELECT id, expected, ${ts('last_ms')} AS last_activity FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(id, expected, last_ms)) u
              LEFT JOIN deltas d ON d.member_id = u.id
        WHERE coalesce(u.expected, 0) = 0 AND NOT EXISTS (SELECT 1 FROM member_balances x WHERE x.member_id = u.id)
       ON CONFLICT (member_id) DO NOTHING
       RETURNING member_id AS id
     ),
     guard AS (SELECT id FROM guard_update UNION ALL SELECT id FROM guard_insert),
     -- The wide members row only when the tier moves (the grace is on the balance row since 0076).
     member_rows AS (
       UPDATE members m SET
         tier_id          = u.tier_id,
         tier_started_at  = coalesce(u.tier_started_at, m.tier_started_at),
         updated_at       = now()
       FROM (SELECT id, tier_id, ${ts('started_ms')} AS tier_started_at FROM unnest($1::text[], $4::text[], $5::bigint[]) AS u(id, tier_id, started_ms)) u
       WHERE m.id = u.id AND u.tier_id IS NOT NULL AND u.id IN (SELECT id FROM guard)
     ),
     new_lots AS (
       INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points,
                         order_id, order_amount, clawed_back_points, rule_id)
       SELECT l.id, l.member_id, l.kind, l.status, ${ts('l.earned_ms')}, ${ts('l.expires_ms')}, ${ts('l.pending_ms')}, l.original_points, l.remaining_points,
              l.order_id, l.order_amount, l.clawed_back_points, l.rule_id
         FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[],
                     $15::bigint[], $16::bigint[], $17::text[], $18::bigint[], $19::bigint[], $20::text[])
              AS l(id, member_id, kind, status, earned_ms, expires_ms, pending_ms, original_points, remaining_points,
                   order_id, order_amount, clawed_back_points, rule_id)
        WHERE l.member_id IN (SELECT id FROM guard)
     ),
     changed_lots AS (
       UPDATE lots SET status = u.status, remaining_points = u.remaining, clawed_back_points = u.clawed
         FROM unnest($21::text[], $22::text[], $23::bigint[], $24::bigint[], $25::text[]) AS u(id, status, remaining, clawed, member_id)
        WHERE lots.id = u.id AND u.member_id IN (SELECT id FROM guard)
     ),
     entries AS (
       INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component,
                                   order_id, reward_id, source, program_version, actor, reason, offer_id, campaign_id)
       SELECT e.key, e.member_id, e.kind, e.amount, e.qualifying, e.pending, ${ts('e.at_ms')}, e.event_id, e.rule_id, e.component,
              e.order_id, e.reward_id, e.source, e.program_version, e.actor, e.reason, e.offer_id, e.campaign_id
         FROM unnest($26::text[], $27::text[], $28::text[], $29::bigint[], $30::bigint[], $31::boolean[], $32::bigint[], $33::text[],
                     $34::text[], $35::text[], $36::text[], $37::text[], $38::text[], $39::int[], $40::text[], $41::text[], $76::text[], $77::text[])
              WITH ORDINALITY AS e(key, member_id, kind, amount, qualifying, pending, at_ms, event_id, rule_id, component,
                                   order_id, reward_id, source, program_version, actor, reason, offer_id, campaign_id, ord)
        WHERE e.member_id IN (SELECT id FROM guard)
        ORDER BY e.ord
       RETURNING seq, idempotency_key
     ),
     allocations AS (
       INSERT INTO lot_allocations (entry_seq, lot_id, points)
       SELECT entries.seq, a.lot_id, a.points
         FROM unnest($42::text[], $43::text[], $44::bigint[]) AS a(key, lot_id, points)
         JOIN entries ON entries.idempotency_key = a.key
     ),
     tier_changes AS (
       INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key)
       SELECT t.member_id, t.from_tier, t.to_tier, t.reason, ${ts('t.at_ms')}, t.program_version, t.review_key
         FROM unnest($49::text[], $50::text[], $51::text[], $52::text[], $53::bigint[], $54::int[], $55::text[])
              AS t(member_id, from_tier, to_tier, reason, at_ms, program_version, review_key)
        WHERE t.member_id IN (SELECT id FROM guard)
     ),
     refunds AS (
       INSERT INTO order_refunds (member_id, order_id, refunded_total)
       SELECT * FROM unnest($56::text[], $57::text[], $58::bigint[]) AS r(member_id, order_id, refunded_total)
        WHERE r.member_id IN (SELECT id FROM guard)
       ON CONFLICT (member_id, order_id) DO UPDATE SET refunded_total = EXCLUDED.refunded_total
     ),
     events AS (
       INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, properties, source, program_version, result)
       SELECT v.id, v.idempotency_key, v.member_id, v.type, ${ts('v.occurred_ms')}, v.amount, v.order_id, v.properties::jsonb, v.source, v.program_version, v.result::jsonb
         FROM ROWS FROM (unnest($59::text[]), unnest($60::text[]), unnest($61::text[]), unnest($62::text[]), unnest($63::bigint[]),
                         unnest($64::bigint[]), unnest($65::text[]), json_array_elements($66::json), unnest($67::text[]), unnest($68::int[]),
                         json_array_elements($69::json))
                     AS v(id, idempotency_key, member_id, type, occurred_ms, amount, order_id, properties, source, program_version, result)
        WHERE v.member_id IN (SELECT id FROM guard)
     ),
     outbox AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT o.queue, o.job_name, o.job_id, o.payload
         FROM unnest($70::text[], $71::text[], $72::text[], $73::jsonb[], $74::text[]) AS o(queue, job_name, job_id, payload, member_id)
        WHERE o.member_id IN (SELECT id FROM guard)
       ON CONFLICT (job_id) DO NOTHING
     ),
     offer_used AS (
       SELECT u.grant_id, u.offer_id, u.member_id, u.campaign_id, u.ref, u.order_id, u.points, ${ts('u.at_ms')} AS at
         FROM unnest($78::bigint[], $79::text[], $80::text[], $81::text[], $82::text[], $83::text[], $84::bigint[], $85::bigint[])
              AS u(grant_id, offer_id, member_id, campaign_id, ref, order_id, points, at_ms)
        WHERE u.member_id IN (SELECT id FROM guard)
     ),
     offer_uses AS (
       INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, order_id, points, at)
       SELECT grant_id, offer_id, member_id, campaign_id, 'bonus', ref, order_id, points, at FROM offer_used
     ),
     offer_grant_counters AS (
       UPDATE offer_grants g SET uses = g.uses + s.uses, points_given = g.points_given + s.points,
              first_used_at = least(coalesce(g.first_used_at, s.first_at), s.first_at), last_used_at = greatest(coalesce(g.last_used_at, s.last_at), s.last_at)
         FROM (SELECT grant_id, count(*) AS uses, sum(points) AS points, min(at) AS first_at, max(at) AS last_at FROM offer_used GROUP BY grant_id) s
        WHERE g.id = s.grant_id
     ),
     -- A budgeted offer's total: its CHECK offers_within_budget fails the whole write when holders
     -- spent past it at the same time (the event path then decides again with the new total).
     offer_budgets AS (
       UPDATE offers o SET points_given = o.points_given + s.points
         FROM (SELECT offer_id, sum(points) AS points FROM offer_used GROUP BY offer_id) s
        WHERE o.id = s.offer_id AND o.budget_points IS NOT NULL
     )
     SELECT array(SELECT id FROM guard) AS written,
            CASE WHEN $75::boolean THEN pg_notify('laurel_outbox', '') END AS notified`,
    values: [
      textArray(w.members.map((m) => m.id)),
      scalarArray(w.members.map((m) => m.expectedVersion)),
      epochMsArray(w.members.map((m) => m.lastActivityAt)),
      textArray(w.members.map((m) => m.tier?.tierId ?? null)),
      epochMsArray(w.members.map((m) => m.tier?.startedAt ?? null)),
      epochMsArray(w.members.map((m) => m.tier?.nextReviewAt ?? null)),
      scalarArray(w.members.map((m) => m.clearGrace)),
      ...lotColumns(w.createdLots),
      textArray(w.changedLots.map((l) => l.id)),
      textArray(w.changedLots.map((l) => l.status)),
      scalarArray(w.changedLots.map((l) => l.remainingPoints)),
      scalarArray(w.changedLots.map((l) => l.clawedBackPoints)),
      textArray(w.changedLots.map((l) => l.memberId)),
      textArray(w.entries.map((e) => e.idempotencyKey)),
      textArray(w.entries.map((e) => e.memberId)),
      textArray(w.entries.map((e) => e.kind)),
      scalarArray(w.entries.map((e) => e.amount)),
      scalarArray(w.entries.map((e) => e.qualifyingPoints)),
      scalarArray(w.entries.map((e) => e.pending)),
      epochMsArray(w.entries.map((e) => e.at)),
      textArray(w.entries.map((e) => e.eventId)),
      textArray(w.entries.map((e) => e.ruleId)),
      textArray(w.entries.map((e) => e.component)),
      textArray(w.entries.map((e) => e.orderId)),
      textArray(w.entries.map((e) => e.rewardId)),
      textArray(w.entries.map((e) => e.source)),
      scalarArray(w.entries.map((e) => e.programVersion)),
      textArray(w.entries.map((e) => e.actor)),
      textArray(w.entries.map((e) => e.reason)),
      textArray(allocations.map((a) => a.key)),
      textArray(allocations.map((a) => a.lotId)),
      scalarArray(allocations.map((a) => a.points)),
      textArray(w.balances.map((b) => b.memberId)),
      scalarArray(w.balances.map((b) => b.available)),
      scalarArray(w.balances.map((b) => b.pending)),
      scalarArray(w.balances.map((b) => b.earned)),
      textArray(w.tierChanges.map((t) => t.memberId)),
      textArray(w.tierChanges.map((t) => t.fromTier)),
      textArray(w.tierChanges.map((t) => t.toTier)),
      textArray(w.tierChanges.map((t) => t.reason)),
      epochMsArray(w.tierChanges.map((t) => t.at)),
      scalarArray(w.tierChanges.map((t) => t.programVersion)),
      textArray(w.tierChanges.map((t) => t.reviewKey)),
      textArray(w.orderRefunds.map((r) => r.memberId)),
      textArray(w.orderRefunds.map((r) => r.orderId)),
      scalarArray(w.orderRefunds.map((r) => r.refundedTotal)),
      textArray(w.events.map((e) => e.id)),
      textArray(w.events.map((e) => e.idempotencyKey)),
      textArray(w.events.map((e) => e.memberId)),
      textArray(w.events.map((e) => e.type)),
      epochMsArray(w.events.map((e) => e.occurredAt)),
      scalarArray(w.events.map((e) => e.amount)),
      textArray(w.events.map((e) => e.orderId)),
      // The properties and results (~1 KB each) as ONE JSON array each, stringified natively and
      // zipped in by position: as jsonb[] elements pg escaped every quote of every result in JavaScript.
      JSON.stringify(w.events.map((e) => e.properties)),
      textArray(w.events.map((e) => e.source)),
      scalarArray(w.events.map((e) => e.programVersion)),
      `[${w.events.map((e) => resultJson(e.result as object)).join(',')}]`,
      textArray(w.outbox.map((o) => o.queue)),
      textArray(w.outbox.map((o) => o.name)),
      textArray(w.outbox.map((o) => o.jobId)),
      w.outbox.map(outboxPayload),
      textArray(w.outbox.map((o) => o.memberId)),
      w.outbox.length > 0,
      textArray(w.entries.map((e) => offerUseOf.get(e.idempotencyKey)?.offerId ?? null)),
      textArray(w.entries.map((e) => offerUseOf.get(e.idempotencyKey)?.campaignId ?? null)),
      scalarArray(w.offerUses.map((u) => u.grantId)),
      textArray(w.offerUses.map((u) => u.offerId)),
      textArray(w.offerUses.map((u) => u.memberId)),
      textArray(w.offerUses.map((u) => u.campaignId)),
      textArray(w.offerUses.map((u) => u.eventId)),
      textArray(w.offerUses.map((u) => u.orderId)),
      scalarArray(w.offerUses.map((u) => u.points)),
      epochMsArray(w.offerUses.map((u) => u.at)),
    ],
  });
  const written = new Set(rows[0]!.written);
  // A writer holding the member's lock (no expected version) is always written: its lock created
  // the balance row if there was none (findMember). Missing here means a broken lock discipline.
  for (const m of w.members) {
    if (m.expectedVersion === null && !written.has(m.id)) throw new Error(`ledger write: member ${m.id} was not written although its writer holds the member's lock`);
  }
  return written;
}

function lotColumns(list: readonly Lot[]): string[] {
  return [
    textArray(list.map((l) => l.id)),
    textArray(list.map((l) => l.memberId)),
    textArray(list.map((l) => l.kind)),
    textArray(list.map((l) => l.status)),
    epochMsArray(list.map((l) => l.earnedAt)),
    epochMsArray(list.map((l) => l.expiresAt)),
    epochMsArray(list.map((l) => l.pendingUntil)),
    scalarArray(list.map((l) => l.originalPoints)),
    scalarArray(list.map((l) => l.remainingPoints)),
    textArray(list.map((l) => l.orderId)),
    scalarArray(list.map((l) => l.orderAmount)),
    scalarArray(list.map((l) => l.clawedBackPoints)),
    textArray(list.map((l) => l.ruleId)),
  ];
}
