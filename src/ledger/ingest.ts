import { createCoalescer, preparedName, withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { LaurelError, NotFoundError } from '../errors/index.js';
import { memberFromJson, memberColumns } from '../members/index.js';
import { currentProgram, isProgramInForce, latestKnownProgram, type ProgramVersion } from '../program/store.js';
import { QUEUES, jobId } from '../queues/index.js';
import { currentQualificationWindow } from '../tiers/index.js';
import { activityJsonSql, activitySumParams } from './activity.js';
import {
  assertKnownType,
  decideEvents,
  foldActivity,
  limitWindowsOf,
  usageKey,
  type ActivityRows,
  type EventOutcome,
  type EventResult,
  type EventToDecide,
  type LedgerWrite,
  type MemberState,
  type PurchaseLine,
} from './core/index.js';
import { eventFingerprint, eventIdOf, idempotencyKeyOf, type EventInput } from './event-input.js';
import { writeLedger } from './ledger-write.js';
import { eventLotsSql, lotFromRow, type LotRow } from './lot-rows.js';
import type { HeldBonusOffer } from '../offers/bonus.js';

export interface IngestOptions {
  /** `api`, or `partner:<id>` for a partner key. */
  source: string;
  dryRun?: boolean;
  /** Partner keys may carry a cap on points awarded per UTC day. */
  dailyPointCap?: number | null;
  /** The Idempotency-Key header, when the body carries none. */
  headerKey?: string | undefined;
  now?: Date;
  /** Historic events (an import): announced to no one, and a tier they earn is a `historic_…` change. */
  historic?: boolean;
}

/** How often a member's write may lose its optimistic guard before the event path gives up. */
const MAX_ROUNDS = 6;

/** Most events one group decides and writes together. */
const MAX_GROUP = 256;
/** Groups of a lane in flight at once: while one is written, the next is read and decided. */
const GROUPS_IN_FLIGHT = 2;

type Lane = (event: EventToDecide) => Promise<EventOutcome>;

/** Since the process started: groups written by the lanes and the events they carried (GET /metrics). */
export const groupCommitStats = { groups: 0, events: 0 };

/**
 * Since the process started, over every call of the shell (single events, batches, imports): wall
 * milliseconds in the read, the pure decision and the write, and the events they served. The
 * benchmark prints them to say where an event's time goes.
 */
export const ingestPhaseStats = { calls: 0, events: 0, readMs: 0, decideMs: 0, writeMs: 0 };
const lanes = new WeakMap<Pool, Map<string, Lane>>();

/**
 * Group commit: concurrent single events on one pool with the same options share a lane, and
 * whatever queued while the lane's groups were busy goes out as the next group — one read, one
 * decision, one guarded write for all of them (at low load a group is one event, with no added
 * wait). Each caller gets its own outcome: a replayed key, a conflict or a bad event in the group
 * answers only its own request (`decideEvents` decides each event as if it had been sent alone
 * after the ones before it).
 */
function laneOf(pool: Pool, opts: IngestOptions): Lane {
  let byOptions = lanes.get(pool);
  if (!byOptions) lanes.set(pool, (byOptions = new Map()));
  const key = `${opts.source}\u0000${opts.dryRun ? 'dry' : 'real'}\u0000${opts.dailyPointCap ?? ''}`;
  let lane = byOptions.get(key);
  if (!lane) {
    const shared: IngestOptions = { source: opts.source, dryRun: Boolean(opts.dryRun), dailyPointCap: opts.dailyPointCap ?? null };
    lane = createCoalescer(
      (events: readonly EventToDecide[]) => {
        groupCommitStats.groups += 1;
        groupCommitStats.events += events.length;
        return ingestEvents(pool, events, shared, 'each');
      },
      { maxBatch: MAX_GROUP, maxInFlight: GROUPS_IN_FLIGHT },
    );
    byOptions.set(key, lane);
  }
  return lane;
}

/**
 * One event, group-committed with the events other callers send at the same time. With an
 * explicit `now` (tests, replays of history) it is decided alone, as of that instant.
 */
export async function ingestEvent(pool: Pool, input: EventInput, opts: IngestOptions): Promise<EventResult> {
  const event = toDecide(input, idempotencyKeyOf(input, opts.headerKey));
  const outcome = opts.now ? (await ingestEvents(pool, [event], opts, 'each'))[0]! : await laneOf(pool, opts)(event);
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

/**
 * A batch: every event is validated and every member checked before anything is written; the
 * batch is decided in memory and written in one statement, so a failing event fails the whole
 * batch with nothing written. A replayed key inside the batch is simply a replay.
 */
export async function ingestBatch(pool: Pool, inputs: readonly EventInput[], opts: IngestOptions): Promise<EventResult[]> {
  const locate = (err: unknown, i: number): unknown =>
    err instanceof LaurelError ? new LaurelError(err.code, `events[${i}]: ${err.message}`, { status: err.status, details: { index: i, ...err.details } }) : err;
  const events = inputs.map((e, i) => {
    try {
      return toDecide(e, idempotencyKeyOf(e));
    } catch (err) {
      throw locate(err, i);
    }
  });
  const program = await latestKnownProgram(pool);
  events.forEach((e, i) => {
    try {
      assertKnownType(program.definition, e.input.type);
    } catch (err) {
      throw locate(err, i);
    }
  });
  const outcomes = await ingestEvents(pool, events, opts, 'all');
  return outcomes.map((outcome, i) => {
    if (!outcome.ok) throw locate(outcome.error, i);
    return outcome.result;
  });
}

/** deadlock_detected, serialization_failure: the transaction did nothing; running it again is safe. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '40P01' || code === '40001';
}

/**
 * Historic events, for the import: each decided as of `now` exactly like a live one and failing on
 * its own, but announced to no one — no member-event job, so no mission, contest, notification or
 * other message follows — and a tier they earn is recorded as `historic_upgrade`, which the tier
 * notifier does not announce either. `dryRun` checks without writing.
 */
export async function ingestHistoric(pool: Pool, events: readonly { input: EventInput; key: string }[], opts: { now: Date; dryRun?: boolean }): Promise<EventOutcome[]> {
  return await ingestEvents(pool, events.map((e) => toDecide(e.input, e.key)), { source: 'import', now: opts.now, dryRun: Boolean(opts.dryRun), historic: true }, 'each');
}

function toDecide(input: EventInput, key: string): EventToDecide {
  return { input, key, eventId: eventIdOf(key), fingerprint: eventFingerprint(input) };
}

/**
 * The I/O shell around `decideEvents`. Optimistic first: one read of everything the events need
 * (members with their ledger version, replayed keys, open lots, activity, refunds), the pure
 * decision, and one write guarded per member by the version it read: two round trips, no locks
 * held in between. A member whose guard failed (someone wrote in between) is redone under its row
 * lock. `atomic`: 'all' fails every event when one fails and writes nothing (a batch); 'each' lets
 * every event succeed or fail on its own.
 */
async function ingestEvents(pool: Pool, events: readonly EventToDecide[], opts: IngestOptions, atomic: 'all' | 'each'): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = new Array(events.length);
  let todo = events.map((_, i) => i);
  for (let round = 0; todo.length > 0; round += 1) {
    if (round >= MAX_ROUNDS) {
      const contention = (i: number) =>
        new LaurelError('ledger_contention', `the ledger of ${events[i]!.input.memberId} kept changing while this event was written; retry`, { status: 503 });
      if (atomic === 'all') throw contention(todo[0]!);
      for (const i of todo) outcomes[i] = { ok: false, error: contention(i) };
      break;
    }
    const indices = todo;
    let outcome: { outcomes: Map<number, EventOutcome>; retry: number[] };
    try {
      outcome =
        round === 0
          ? await decideAndWrite(pool, events, indices, opts, atomic, false)
          : await withTransaction(pool, (client) => decideAndWrite(client, events, indices, opts, atomic, true));
    } catch (err) {
      // Two writers that took the same members' row locks in different orders: go round again.
      if (!isRetryable(err)) throw err;
      outcome = { outcomes: new Map(), retry: [...indices] };
    }
    for (const [i, o] of outcome.outcomes) outcomes[i] = o;
    todo = outcome.retry;
  }
  return outcomes;
}

async function decideAndWrite(
  db: Pool | PoolClient,
  events: readonly EventToDecide[],
  indices: readonly number[],
  opts: IngestOptions,
  atomic: 'all' | 'each',
  lock: boolean,
): Promise<{ outcomes: Map<number, EventOutcome>; retry: number[] }> {
  const now = opts.now ?? new Date();
  const program = await latestKnownProgram(db);
  const mine = indices.map((i) => events[i]!);
  const t0 = performance.now();
  const read = await readForEvents(db, program, mine, opts, now, lock);
  const t1 = performance.now();
  ingestPhaseStats.calls += 1;
  ingestPhaseStats.events += mine.length;
  ingestPhaseStats.readMs += t1 - t0;
  if (!isProgramInForce(program, read.program)) {
    // Another process published a program since this one last looked: decide with the new one.
    await currentProgram(db);
    return await decideAndWrite(db, events, indices, opts, atomic, lock);
  }
  if (atomic === 'all') {
    const missing = [...new Set(mine.map((e) => e.input.memberId))].filter((id) => !read.members.has(id)).sort();
    if (missing.length > 0) {
      if (events.length === 1) throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist`, { memberId: missing[0] });
      throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`, { missing });
    }
  }
  const decision = decideEvents({
    program,
    now,
    events: mine,
    members: read.members,
    previous: read.previous,
    source: opts.source,
    dryRun: Boolean(opts.dryRun),
    partnerCap: opts.dailyPointCap ? { cap: opts.dailyPointCap, awardedToday: read.partnerToday } : null,
  });
  const t2 = performance.now();
  ingestPhaseStats.decideMs += t2 - t1;
  const outcomes = new Map(indices.map((i, k) => [i, decision.outcomes[k]!]));
  if (atomic === 'all' && decision.outcomes.some((o) => !o.ok)) return { outcomes, retry: [] };
  const write = decision.write;
  if (opts.dryRun || write.members.length === 0) return { outcomes, retry: [] };
  if (opts.historic) for (const change of write.tierChanges) change.reason = `historic_${change.reason}`;
  else announce(write);
  let written: Set<string>;
  try {
    written = await writeLedger(db, write);
    ingestPhaseStats.writeMs += performance.now() - t2;
  } catch (err) {
    // Another member's event took one of these keys in between (only possible with a key reused
    // across members): the next round reads it and answers with a replay or a conflict.
    if (!lock && (err as { code?: string }).code === '23505') return { outcomes: new Map(), retry: [...indices] };
    // Holders of one offer spent its budget at the same time: decide again with the new total
    // (under the lock the transaction is aborted; its COMMIT rolls back and the next round retries).
    if ((err as { constraint?: string }).constraint === 'offers_within_budget') return { outcomes: new Map(), retry: [...indices] };
    throw err;
  }
  const lost = new Set(write.members.filter((m) => !written.has(m.id)).map((m) => m.id));
  if (lost.size === 0) return { outcomes, retry: [] };
  const retry = indices.filter((i) => lost.has(events[i]!.input.memberId));
  for (const i of retry) outcomes.delete(i);
  return { outcomes, retry };
}

/** One member-event job per event written, through the outbox: the fan-out (missions, contests, notifications). */
function announce(write: LedgerWrite): void {
  for (const e of write.events) {
    write.outbox.push({ queue: QUEUES.memberEvents, name: 'member-event', jobId: jobId('evt', e.id), payload: { eventId: e.id, memberId: e.memberId }, memberId: e.memberId });
  }
}

interface LoadedRead {
  program: { version: number; createdAt: string } | null;
  members: (Parameters<typeof memberFromJson>[0] & { ledger_version: number })[];
  previous: { idempotency_key: string; result: EventResult }[];
  lots: LotRow[];
  balances: { member_id: string; available: number; pending: number }[];
  activity: ActivityRows;
  refunds: { member_id: string; order_id: string; refunded_total: number }[];
  purchases: { member_id: string; order_id: string; amount: number; occurred_at: string }[];
  order_earnings: { member_id: string; idempotency_key: string; qualifying_points: number }[];
  offers: HeldOfferRow[];
  order_items: {
    member_id: string;
    order_id: string;
    line: number;
    sku: string;
    name: string | null;
    category: string | null;
    brand: string | null;
    quantity: number;
    unit_price: number;
    amount: number;
    lots: Record<string, number>;
    refunded: number;
  }[];
  partner_today: number;
}

/** A live bonus-rule offer a member holds (src/offers/bonus.ts decides with it). */
interface HeldOfferRow {
  member_id: string;
  grant_id: number;
  offer_id: string;
  campaign_id: string | null;
  valid_from: string;
  valid_until: string | null;
  expires_at: string | null;
  rule: HeldBonusOffer['rule'];
  max_uses: number | null;
  uses: number;
  max_points_per_member: number | null;
  points_given: number;
  budget_points: number | null;
  budget_given: number;
}

/**
 * Everything the events need, in one statement (after taking the member row locks when `lock`),
 * plus one more when a limited rule is triggered: its stored usage (the windows depend on the
 * member's time zone, which the first statement reads).
 */
async function readForEvents(
  db: Pool | PoolClient,
  program: ProgramVersion,
  events: readonly EventToDecide[],
  opts: IngestOptions,
  now: Date,
  lock: boolean,
): Promise<{ program: LoadedRead['program']; members: Map<string, MemberState>; previous: Map<string, EventResult>; partnerToday: number }> {
  const memberIds = [...new Set(events.map((e) => e.input.memberId))].sort();
  const refundOrders = [...new Set(events.flatMap((e) => (e.input.type === 'refund' && e.input.orderId ? [e.input.orderId] : [])))];
  const refunding = [...new Set(events.flatMap((e) => (e.input.type === 'refund' ? [e.input.memberId] : [])))];
  const window = currentQualificationWindow(program.definition, now);
  // The locks come first, in a statement of their own: a statement that waited for a lock still
  // reads the other tables as of its start, which would be stale.
  // The balance rows too: they carry the ledger version the optimistic writers check.
  if (lock) {
    await db.query(`SELECT 1 FROM members WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [memberIds]);
    await db.query(`SELECT 1 FROM member_balances WHERE member_id = ANY($1::text[]) ORDER BY member_id FOR UPDATE`, [memberIds]);
  }
  const json = (select: string) => `(SELECT coalesce(json_agg(x), '[]'::json) FROM (${select}) x)`;
  const text = `WITH ms AS (SELECT ${memberColumns('m', 'b')}, coalesce(b.ledger_version, 0) AS ledger_version
                FROM members m LEFT JOIN member_balances b ON b.member_id = m.id WHERE m.id = ANY($1::text[]))
     SELECT (SELECT json_build_object('version', version, 'createdAt', created_at) FROM program_versions ORDER BY version DESC LIMIT 1) AS program,
            ${json('SELECT * FROM ms')} AS members,
            ${json('SELECT idempotency_key, result FROM events WHERE idempotency_key = ANY($2::text[])')} AS previous,
            ${json(eventLotsSql('$1', '$3', '$11', '$9'))} AS lots,
            ${json('SELECT member_id, available, pending FROM member_balances WHERE member_id = ANY($1::text[])')} AS balances,
            ${activityJsonSql(program.definition, { ids: '$1', start: '$4', end: '$5', sumTypes: '$6', sumProperties: '$7' })} AS activity,
            ${json('SELECT member_id, order_id, refunded_total FROM order_refunds WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND order_id = ANY($3::text[])')} AS refunds,
            ${json(`SELECT member_id, order_id, coalesce(sum(amount), 0)::bigint AS amount, min(occurred_at) AS occurred_at FROM events
                     WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND order_id = ANY($3::text[]) AND type = 'purchase'
                     GROUP BY member_id, order_id`)} AS purchases,
            ${json(`SELECT member_id, idempotency_key, qualifying_points FROM ledger_entries WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND kind = 'earn' AND order_id = ANY($3::text[])`)} AS order_earnings,
            ${json(`SELECT g.member_id, g.id AS grant_id, g.offer_id, g.campaign_id, o.valid_from, o.valid_until, g.expires_at, o.definition -> 'rule' AS rule,
                           g.max_uses, g.uses, (o.definition ->> 'maxPointsPerMember')::bigint AS max_points_per_member, g.points_given,
                           o.budget_points, o.points_given AS budget_given
                      FROM offer_grants g JOIN offers o ON o.id = g.offer_id
                     WHERE g.member_id = ANY($1::text[]) AND g.revoked_at IS NULL AND o.kind = 'bonus_rule' AND o.status = 'active' AND o.trigger = ANY($10::text[])`)} AS offers,
            ${json(`SELECT p.member_id, p.order_id, p.line, p.sku, p.name, p.category, p.brand, p.quantity, p.unit_price, p.amount, p.lots,
                           (SELECT coalesce(sum(r.quantity), 0) FROM event_items r
                             WHERE r.member_id = p.member_id AND r.order_id = p.order_id AND r.type = 'refund' AND r.purchase_line = p.line)::bigint AS refunded
                      FROM event_items p
                     WHERE cardinality($3::text[]) > 0 AND p.member_id = ANY($1::text[]) AND p.order_id = ANY($3::text[]) AND p.type = 'purchase'
                     ORDER BY p.order_id, p.line`)} AS order_items,
            CASE WHEN $8::text IS NULL THEN 0 ELSE
              (SELECT coalesce(sum(amount), 0)::bigint FROM ledger_entries
                WHERE source = $8 AND kind = 'earn' AND created_at >= date_trunc('day', $9::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
            END AS partner_today`;
  const { rows } = await db.query<LoadedRead>({
    name: preparedName('ledger_read', text),
    text,
    values: [
      memberIds,
      events.map((e) => e.key),
      refundOrders,
      window.start,
      window.end,
      ...activitySumParams(program.definition),
      opts.dailyPointCap ? opts.source : null,
      now,
      [...new Set(events.map((e) => e.input.type))],
      refunding,
    ],
  });
  const read = rows[0]!;
  const members = memberStates(read);
  await readRuleUsage(db, program, events, members, now);
  return {
    program: read.program,
    members,
    previous: new Map(read.previous.map((p) => [p.idempotency_key, p.result])),
    partnerToday: read.partner_today,
  };
}

type ReadState = MemberState & { ruleUsage: Map<string, { fired: number; points: number }> };

function memberStates(read: LoadedRead): Map<string, ReadState> {
  const ids = read.members.map((m) => m.id);
  const summaries = foldActivity(ids, read.activity);
  // Rows by member once: a batch has up to a thousand members, each looking up its own.
  const lots = byMember(read.lots);
  const balances = new Map(read.balances.map((b) => [b.member_id, { available: b.available, pending: b.pending }]));
  const refunds = byMember(read.refunds);
  const purchases = byMember(read.purchases);
  const earnings = byMember(read.order_earnings);
  const offers = byMember(read.offers);
  const orderItems = byMember(read.order_items);
  const states = new Map<string, ReadState>();
  for (const row of read.members) {
    const member = memberFromJson(row);
    states.set(member.id, {
      member,
      ledgerVersion: row.ledger_version,
      lots: (lots.get(member.id) ?? []).map(lotFromRow),
      balance: balances.get(member.id) ?? { available: 0, pending: 0 },
      activity: summaries.get(member.id)!,
      refundedByOrder: new Map((refunds.get(member.id) ?? []).map((r) => [r.order_id, r.refunded_total])),
      purchases: new Map((purchases.get(member.id) ?? []).map((p) => [p.order_id, { amount: p.amount, occurredAt: new Date(p.occurred_at) }])),
      qualifyingByLot: new Map((earnings.get(member.id) ?? []).map((e) => [e.idempotency_key, e.qualifying_points])),
      orderItems: purchaseLines(orderItems.get(member.id) ?? []),
      ruleUsage: new Map(),
      heldOffers: (offers.get(member.id) ?? []).map(heldOffer),
    });
  }
  return states;
}

function heldOffer(r: HeldOfferRow): HeldBonusOffer {
  const date = (v: string | null) => (v === null ? null : new Date(v));
  return {
    grantId: r.grant_id,
    offerId: r.offer_id,
    campaignId: r.campaign_id,
    validFrom: new Date(r.valid_from),
    validUntil: date(r.valid_until),
    expiresAt: date(r.expires_at),
    rule: r.rule,
    maxUses: r.max_uses,
    uses: r.uses,
    maxPointsPerMember: r.max_points_per_member,
    pointsGiven: r.points_given,
    budgetPoints: r.budget_points,
    budgetGiven: r.budget_given,
  };
}

/** The item lines of each refunded order's purchase (an order bought twice with items is not refunded by items). */
function purchaseLines(rows: LoadedRead['order_items']): Map<string, PurchaseLine[]> {
  const out = new Map<string, PurchaseLine[]>();
  for (const r of rows) {
    const lines = out.get(r.order_id) ?? [];
    lines.push({ line: r.line, sku: r.sku, name: r.name, category: r.category, brand: r.brand, quantity: r.quantity, unitPrice: r.unit_price, amount: r.amount, lots: r.lots, refunded: r.refunded });
    out.set(r.order_id, lines);
  }
  return out;
}

function byMember<T extends { member_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.member_id);
    if (list) list.push(row);
    else out.set(row.member_id, [row]);
  }
  return out;
}

/** Stored usage of every limited rule window the events touch (one query, only when a rule has limits). */
async function readRuleUsage(db: Pool | PoolClient, program: ProgramVersion, events: readonly EventToDecide[], states: Map<string, ReadState>, now: Date): Promise<void> {
  const wanted: { memberId: string; ruleId: string; start: Date; end: Date | null }[] = [];
  const byMember = new Map<string, EventInput[]>();
  for (const e of events) {
    const own = byMember.get(e.input.memberId);
    if (own) own.push(e.input);
    else byMember.set(e.input.memberId, [e.input]);
  }
  for (const [memberId, state] of states) {
    for (const w of limitWindowsOf(program.definition, state.member, byMember.get(memberId) ?? [], now)) wanted.push({ memberId, ruleId: w.ruleId, start: w.start, end: w.end });
  }
  if (wanted.length === 0) return;
  const { rows } = await db.query<{ i: string; fired: number; points: number }>(
    `SELECT w.i, count(DISTINCT e.event_id)::bigint AS fired, coalesce(sum(e.amount), 0)::bigint AS points
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS w(member_id, rule_id, start_at, end_at, i)
       LEFT JOIN ledger_entries e ON e.member_id = w.member_id AND e.rule_id = w.rule_id AND e.kind = 'earn' AND e.component = 'base'
                                 AND e.at >= w.start_at AND (w.end_at IS NULL OR e.at < w.end_at)
      GROUP BY w.i`,
    [wanted.map((w) => w.memberId), wanted.map((w) => w.ruleId), wanted.map((w) => w.start), wanted.map((w) => w.end)],
  );
  for (const r of rows) {
    const w = wanted[Number(r.i) - 1]!;
    states.get(w.memberId)!.ruleUsage.set(usageKey(w), { fired: r.fired, points: r.points });
  }
}
