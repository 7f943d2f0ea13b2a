import { preparedName, withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../errors/index.js';
import { memberFromJson, MEMBER_COLUMNS, type Member } from '../members/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { currentProgram, latestKnownProgram, type ProgramVersion } from '../program/store.js';
import { QUEUES, jobId } from '../queues/index.js';
import { evaluateEvent, limitWindowsForEvent, type LimitWindow, type RuleOutcome, type RuleUsage } from '../rules/index.js';
import { currentQualificationWindow, decideTier, nextReviewAt, type ActivitySummary, type TimeWindow } from '../tiers/index.js';
import { activityJsonSql, activitySumParams, activityWithEvent, foldActivity, type ActivityRows } from './activity.js';
import { eventFingerprint, eventIdOf, idempotencyKeyOf, knownEventTypes, type EventInput } from './event-input.js';
import { emptyLedgerWrite, writeLedger, type LedgerWrite, type MemberWrite, type WrittenEntry } from './ledger-write.js';
import { lotFromRow, openLotsSql, type LotRow } from './lot-rows.js';
import { MemberLedger } from './member-ledger.js';

export interface IngestOptions {
  /** `api`, or `partner:<id>` for a partner key. */
  source: string;
  dryRun?: boolean;
  /** Partner keys may carry a cap on points awarded per UTC day. */
  dailyPointCap?: number | null;
  /** The Idempotency-Key header, when the body carries none. */
  headerKey?: string | undefined;
  now?: Date;
}

export interface TierOutcome {
  from: string;
  to: string;
  changed: boolean;
}

export interface EventResult {
  eventId: string;
  idempotencyKey: string;
  memberId: string;
  type: string;
  occurredAt: string;
  programVersion: number;
  /** True when this key was ingested before: the original result, nothing written now. */
  replayed: boolean;
  dryRun: boolean;
  points: { total: number; base: number; bonus: number; pending: number; qualifying: number };
  entries: WrittenEntry[];
  rules: readonly RuleOutcome[];
  refund?: { orderId: string; refundedTotal: number; clawback: number; cancelledPending: number; reversed: number; toDebt: number; forgiven: number };
  tier: TierOutcome;
  balance: { available: number; pending: number };
  fingerprint: string;
}

/** How often a member's write may lose its optimistic guard before the event path gives up. */
const MAX_ROUNDS = 6;

/** One event: the same path as a batch of one. */
export async function ingestEvent(pool: Pool, input: EventInput, opts: IngestOptions): Promise<EventResult> {
  const key = idempotencyKeyOf(input, opts.headerKey);
  const [result] = await ingestEvents(pool, [input], [key], opts, (err) => err);
  return result!;
}

/**
 * A batch: every event is validated and every member checked before anything is written; the
 * batch is decided in memory and written in one statement, so a failing event fails the whole
 * batch with nothing written. A replayed key inside the batch is simply a replay.
 */
export async function ingestBatch(pool: Pool, inputs: readonly EventInput[], opts: IngestOptions): Promise<EventResult[]> {
  const locate = (err: unknown, i: number): unknown =>
    err instanceof LaurelError ? new LaurelError(err.code, `events[${i}]: ${err.message}`, { status: err.status, details: { index: i, ...err.details } }) : err;
  const keys = inputs.map((e, i) => {
    try {
      return idempotencyKeyOf(e);
    } catch (err) {
      throw locate(err, i);
    }
  });
  return await ingestEvents(pool, inputs, keys, opts, locate);
}

function assertKnownType(program: ProgramDefinition, type: string): void {
  if (!knownEventTypes(program).has(type)) {
    throw new ValidationError('unknown_event_type', `event type "${type}" is not known to the program (built-in types, rule triggers and qualification events are)`, { type });
  }
}

/**
 * The event path. Optimistic first: one read of everything the events need (members with their
 * ledger version, replayed keys, open lots, activity, refunds), a decision in memory with the pure
 * core, and one write guarded per member by the version it read: two round trips, no locks held
 * in between. A member whose guard failed (someone wrote in between) is redone under its row lock.
 */
async function ingestEvents(
  pool: Pool,
  inputs: readonly EventInput[],
  keys: readonly string[],
  opts: IngestOptions,
  locate: (err: unknown, index: number) => unknown,
): Promise<EventResult[]> {
  const results: EventResult[] = new Array(inputs.length);
  let todo = inputs.map((_, i) => i);
  for (let round = 0; todo.length > 0; round += 1) {
    if (round >= MAX_ROUNDS) throw new LaurelError('ledger_contention', `the ledger of ${inputs[todo[0]!]!.memberId} kept changing while this event was written; retry`, { status: 503 });
    const indices = todo;
    const outcome =
      round === 0
        ? await decideAndWrite(pool, inputs, keys, indices, opts, locate, false)
        : await withTransaction(pool, (client) => decideAndWrite(client, inputs, keys, indices, opts, locate, true));
    for (const [i, result] of outcome.results) results[i] = result;
    todo = outcome.retry;
  }
  return results;
}

interface MemberState {
  member: Member;
  ledger: MemberLedger;
  summary: ActivitySummary;
  write: MemberWrite;
  refundedByOrder: Map<string, number>;
  purchasedOrders: Set<string>;
  qualifyingByLot: Map<string, number>;
  pendingTierChanges: LedgerWrite['tierChanges'];
  touched: boolean;
}

interface LoadedRead {
  program_version: number | null;
  members: (Parameters<typeof memberFromJson>[0] & { ledger_version: number })[];
  previous: { idempotency_key: string; result: EventResult }[];
  lots: LotRow[];
  activity: ActivityRows;
  refunds: { member_id: string; order_id: string; refunded_total: number }[];
  purchases: { member_id: string; order_id: string }[];
  order_earnings: { member_id: string; idempotency_key: string; qualifying_points: number }[];
  partner_today: number;
}

async function decideAndWrite(
  db: Pool | PoolClient,
  inputs: readonly EventInput[],
  keys: readonly string[],
  indices: readonly number[],
  opts: IngestOptions,
  locate: (err: unknown, index: number) => unknown,
  lock: boolean,
): Promise<{ results: Map<number, EventResult>; retry: number[] }> {
  const now = opts.now ?? new Date();
  const program = await latestKnownProgram(db);
  for (const i of indices) {
    try {
      assertKnownType(program.definition, inputs[i]!.type);
    } catch (err) {
      throw locate(err, i);
    }
  }
  const memberIds = [...new Set(indices.map((i) => inputs[i]!.memberId))].sort();
  const refundOrders = [...new Set(indices.flatMap((i) => (inputs[i]!.type === 'refund' && inputs[i]!.orderId ? [inputs[i]!.orderId!] : [])))];
  const window = currentQualificationWindow(program.definition, now);
  const read = await readForEvents(db, program, memberIds, indices.map((i) => keys[i]!), refundOrders, window, opts, now, lock);
  if (read.program_version !== program.version) {
    // Another process published a program since this one last looked: decide with the new one.
    await currentProgram(db);
    return await decideAndWrite(db, inputs, keys, indices, opts, locate, lock);
  }
  const found = new Set(read.members.map((m) => m.id));
  const missing = memberIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    if (inputs.length === 1) throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist`, { memberId: missing[0] });
    throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`, { missing });
  }
  const states = memberStates(program, read, opts.source);
  const previous = new Map(read.previous.map((p) => [p.idempotency_key, p.result]));
  const usage = await ruleUsage(db, program, indices.map((i) => inputs[i]!), states, now);

  const results = new Map<number, EventResult>();
  const write = emptyLedgerWrite();
  let partnerPoints = 0;
  for (const i of indices) {
    const input = inputs[i]!;
    const key = keys[i]!;
    const state = states.get(input.memberId)!;
    try {
      const fingerprint = eventFingerprint(input);
      const original = previous.get(key);
      if (original) {
        if (original.fingerprint !== fingerprint) {
          throw new ConflictError('idempotency_key_reused', `idempotency key "${key}" was already used for a different event`, { eventId: original.eventId });
        }
        results.set(i, { ...original, replayed: true, dryRun: Boolean(opts.dryRun) });
        continue;
      }
      const result = decideEvent(program, state, input, key, fingerprint, usage, window, opts, now);
      partnerPoints += result.points.total;
      // The partner's points today: stored, plus this batch so far (this event included).
      const partnerToday = read.partner_today + partnerPoints;
      if (opts.dailyPointCap && result.points.total > 0 && partnerToday > opts.dailyPointCap) {
        throw new LaurelError('partner_cap_exceeded', `this event would take ${opts.source} past its cap of ${opts.dailyPointCap} points today`, {
          status: 422,
          details: { cap: opts.dailyPointCap, wouldReach: partnerToday },
        });
      }
      write.events.push({
        id: result.eventId,
        idempotencyKey: key,
        memberId: state.member.id,
        type: input.type,
        occurredAt: new Date(result.occurredAt),
        amount: input.amount ?? null,
        orderId: input.orderId ?? null,
        properties: input.properties ?? {},
        source: opts.source,
        programVersion: program.version,
        result,
      });
      write.outbox.push({ queue: QUEUES.memberEvents, name: 'member-event', jobId: jobId('evt', result.eventId), payload: { eventId: result.eventId, memberId: state.member.id }, memberId: state.member.id });
      previous.set(key, result);
      results.set(i, result);
    } catch (err) {
      throw locate(err, i);
    }
  }
  if (opts.dryRun) return { results, retry: [] };

  for (const state of states.values()) {
    if (!state.touched) continue;
    write.members.push(state.write);
    state.ledger.collect(write);
    write.tierChanges.push(...state.pendingTierChanges);
    for (const [orderId, refundedTotal] of state.refundedByOrder) write.orderRefunds.push({ memberId: state.member.id, orderId, refundedTotal });
  }
  if (write.members.length === 0) return { results, retry: [] };
  let written: Set<string>;
  try {
    written = await writeLedger(db, write);
  } catch (err) {
    // Another member's event took one of these keys in between (only possible with a key reused
    // across members): the next round reads it and answers with a replay or a conflict.
    if (!lock && (err as { code?: string }).code === '23505') return { results: new Map(), retry: [...indices] };
    throw err;
  }
  const lost = new Set(write.members.filter((m) => !written.has(m.id)).map((m) => m.id));
  if (lost.size === 0) return { results, retry: [] };
  const retry = indices.filter((i) => lost.has(inputs[i]!.memberId));
  for (const i of retry) results.delete(i);
  return { results, retry };
}

/** Everything the events need, in one statement (after taking the member row locks when `lock`). */
async function readForEvents(
  db: Pool | PoolClient,
  program: ProgramVersion,
  memberIds: readonly string[],
  keys: readonly string[],
  refundOrders: readonly string[],
  window: TimeWindow,
  opts: IngestOptions,
  now: Date,
  lock: boolean,
): Promise<LoadedRead> {
  // The locks come first, in a statement of their own: a statement that waited for a lock still
  // reads the other tables as of its start, which would be stale.
  if (lock) await db.query(`SELECT 1 FROM members WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [memberIds]);
  const json = (select: string) => `(SELECT coalesce(json_agg(x), '[]'::json) FROM (${select}) x)`;
  const text = `WITH ms AS (SELECT ${MEMBER_COLUMNS}, ledger_version FROM members WHERE id = ANY($1::text[]))
     SELECT (SELECT max(version) FROM program_versions) AS program_version,
            ${json('SELECT * FROM ms')} AS members,
            ${json('SELECT idempotency_key, result FROM events WHERE idempotency_key = ANY($2::text[])')} AS previous,
            ${json(openLotsSql('$1', '$3'))} AS lots,
            ${activityJsonSql(program.definition, { ids: '$1', start: '$4', end: '$5', sumTypes: '$6', sumProperties: '$7' })} AS activity,
            ${json('SELECT member_id, order_id, refunded_total FROM order_refunds WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND order_id = ANY($3::text[])')} AS refunds,
            ${json(`SELECT DISTINCT member_id, order_id FROM events WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND order_id = ANY($3::text[]) AND type = 'purchase'`)} AS purchases,
            ${json(`SELECT member_id, idempotency_key, qualifying_points FROM ledger_entries WHERE cardinality($3::text[]) > 0 AND member_id = ANY($1::text[]) AND kind = 'earn' AND order_id = ANY($3::text[])`)} AS order_earnings,
            CASE WHEN $8::text IS NULL THEN 0 ELSE
              (SELECT coalesce(sum(amount), 0)::bigint FROM ledger_entries
                WHERE source = $8 AND kind = 'earn' AND created_at >= date_trunc('day', $9::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
            END AS partner_today`;
  const { rows } = await db.query<LoadedRead>({
    name: preparedName('ledger_read', text),
    text,
    values: [memberIds, keys, refundOrders, window.start, window.end, ...activitySumParams(program.definition), opts.dailyPointCap ? opts.source : null, now],
  });
  return rows[0]!;
}

function memberStates(program: ProgramVersion, read: LoadedRead, source: string): Map<string, MemberState> {
  const ids = read.members.map((m) => m.id);
  const summaries = foldActivity(ids, read.activity);
  // Rows by member once: a batch has up to a thousand members, each looking up its own.
  const lots = byMember(read.lots);
  const refunds = byMember(read.refunds);
  const purchases = byMember(read.purchases);
  const earnings = byMember(read.order_earnings);
  const states = new Map<string, MemberState>();
  for (const row of read.members) {
    const member = memberFromJson(row);
    states.set(member.id, {
      member,
      ledger: MemberLedger.fromLots((lots.get(member.id) ?? []).map(lotFromRow), {
        memberId: member.id,
        returnPolicy: program.definition.returnPolicy,
        programVersion: program.version,
        source,
      }),
      summary: summaries.get(member.id)!,
      write: { id: member.id, expectedVersion: row.ledger_version, lastActivityAt: null, tier: null, clearGrace: false },
      refundedByOrder: new Map((refunds.get(member.id) ?? []).map((r) => [r.order_id, r.refunded_total])),
      purchasedOrders: new Set((purchases.get(member.id) ?? []).map((p) => p.order_id)),
      qualifyingByLot: new Map((earnings.get(member.id) ?? []).map((e) => [e.idempotency_key, e.qualifying_points])),
      pendingTierChanges: [],
      touched: false,
    });
  }
  return states;
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

type UsageBook = Map<string, { fired: number; points: number }>;

function windowKey(memberId: string, w: LimitWindow): string {
  return `${memberId}|${w.ruleId}|${w.start.toISOString()}|${w.end?.toISOString() ?? ''}`;
}

/** Stored usage of every limited rule window the events touch (one query, and only when a rule has limits). */
async function ruleUsage(db: Pool | PoolClient, program: ProgramVersion, events: readonly EventInput[], states: ReadonlyMap<string, MemberState>, now: Date): Promise<UsageBook> {
  const wanted = new Map<string, { memberId: string; window: LimitWindow }>();
  for (const e of events) {
    const member = states.get(e.memberId)!.member;
    const at = e.occurredAt ? new Date(e.occurredAt) : now;
    for (const w of limitWindowsForEvent({ program: program.definition, member, eventType: e.type, at })) wanted.set(windowKey(member.id, w), { memberId: member.id, window: w });
  }
  const book: UsageBook = new Map();
  if (wanted.size === 0) return book;
  const list = [...wanted.values()];
  const { rows } = await db.query<{ i: string; fired: number; points: number }>(
    `SELECT w.i, count(DISTINCT e.event_id)::bigint AS fired, coalesce(sum(e.amount), 0)::bigint AS points
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS w(member_id, rule_id, start_at, end_at, i)
       LEFT JOIN ledger_entries e ON e.member_id = w.member_id AND e.rule_id = w.rule_id AND e.kind = 'earn' AND e.component = 'base'
                                 AND e.at >= w.start_at AND (w.end_at IS NULL OR e.at < w.end_at)
      GROUP BY w.i`,
    [list.map((w) => w.memberId), list.map((w) => w.window.ruleId), list.map((w) => w.window.start), list.map((w) => w.window.end)],
  );
  for (const r of rows) {
    const w = list[Number(r.i) - 1]!;
    book.set(windowKey(w.memberId, w.window), { fired: r.fired, points: r.points });
  }
  return book;
}

/** Decides one event against the member's state in memory, and records what to write. */
function decideEvent(
  program: ProgramVersion,
  state: MemberState,
  input: EventInput,
  key: string,
  fingerprint: string,
  usage: UsageBook,
  window: TimeWindow,
  opts: IngestOptions,
  now: Date,
): EventResult {
  const { member, ledger } = state;
  const eventId = eventIdOf(key);
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  const first = ledger.entries.length;
  ledger.prepare(now, `${eventId}:prepare`);
  let rules: readonly RuleOutcome[] = [];
  let refund: EventResult['refund'];
  if (input.type === 'refund') {
    refund = applyRefund(state, input, eventId, now);
  } else {
    rules = applyEarningRules(program, state, input, eventId, occurredAt, usage, now);
  }
  const entries = ledger.entries.slice(first);
  const balance = ledger.balance();
  state.summary = activityWithEvent(
    program.definition,
    state.summary,
    window,
    member.id,
    { type: input.type, occurredAt, amount: input.amount ?? null, properties: input.properties ?? {} },
    entries,
    balance.available,
  );
  const tier = upgradeTierIfQualified(program, state, now, eventId);
  const write = state.write;
  if (!write.lastActivityAt || write.lastActivityAt < occurredAt) write.lastActivityAt = occurredAt;
  state.touched = true;

  const earned = entries.filter((e) => e.kind === 'earn');
  return {
    eventId,
    idempotencyKey: key,
    memberId: member.id,
    type: input.type,
    occurredAt: occurredAt.toISOString(),
    programVersion: program.version,
    replayed: false,
    dryRun: Boolean(opts.dryRun),
    points: {
      total: earned.reduce((s, e) => s + e.amount, 0),
      base: earned.filter((e) => e.component === 'base').reduce((s, e) => s + e.amount, 0),
      bonus: earned.filter((e) => e.component === 'tier_bonus').reduce((s, e) => s + e.amount, 0),
      pending: earned.filter((e) => e.pending).reduce((s, e) => s + e.amount, 0),
      qualifying: entries.reduce((s, e) => s + e.qualifyingPoints, 0),
    },
    entries,
    rules,
    ...(refund ? { refund } : {}),
    tier,
    balance: { available: balance.available, pending: balance.pending },
    fingerprint,
  };
}

function applyEarningRules(
  program: ProgramVersion,
  state: MemberState,
  input: EventInput,
  eventId: string,
  occurredAt: Date,
  book: UsageBook,
  now: Date,
): readonly RuleOutcome[] {
  const { member, ledger } = state;
  const snapshot = { id: member.id, tierId: member.tierId, timeZone: member.timeZone, joinedAt: member.joinedAt, attributes: member.attributes };
  const windows = limitWindowsForEvent({ program: program.definition, member: snapshot, eventType: input.type, at: occurredAt });
  const usage: RuleUsage[] = windows.map((w) => {
    // Stored usage plus what this batch already earned in the window.
    const stored = book.get(windowKey(member.id, w)) ?? { fired: 0, points: 0 };
    const inBatch = ledger.unsaved().filter(
      (e) => e.ruleId === w.ruleId && e.kind === 'earn' && e.component === 'base' && e.at >= w.start && (w.end === null || e.at < w.end),
    );
    return {
      ruleId: w.ruleId,
      period: w.period,
      periodStart: w.start,
      timesFired: stored.fired + new Set(inBatch.map((e) => e.eventId)).size,
      points: stored.points + inBatch.reduce((s, e) => s + e.amount, 0),
    };
  });
  const decision = evaluateEvent({
    program: program.definition,
    programVersion: program.version,
    member: snapshot,
    event: {
      id: eventId,
      type: input.type,
      occurredAt,
      amount: input.amount ?? null,
      orderId: input.orderId ?? null,
      properties: input.properties ?? {},
    },
    history: { usage },
    now,
  });
  for (const entry of decision.entries) {
    ledger.earn({
      key: entry.idempotencyKey,
      points: entry.points,
      at: entry.earnedAt,
      pendingUntil: entry.pendingUntil,
      expiresAt: entry.expiresAt,
      orderId: entry.orderId,
      orderAmount: entry.orderAmount,
      ruleId: entry.ruleId,
      context: { eventId, ruleId: entry.ruleId, component: entry.component, qualifyingPoints: entry.qualifyingPoints },
      now,
    });
    if (entry.orderId) state.qualifyingByLot.set(entry.idempotencyKey, entry.qualifyingPoints);
  }
  if (input.type === 'purchase' && input.orderId) state.purchasedOrders.add(input.orderId);
  return decision.rules;
}

function applyRefund(state: MemberState, input: EventInput, eventId: string, now: Date): EventResult['refund'] {
  const { member, ledger } = state;
  const orderId = input.orderId!;
  if (!state.purchasedOrders.has(orderId)) throw new LaurelError('unknown_order', `member ${member.id} has no purchase with order ${orderId}`, { status: 422, details: { orderId } });
  const plan = ledger.refund({
    key: `${eventId}:reverse`,
    orderId,
    amount: input.amount!,
    refundedBefore: state.refundedByOrder.get(orderId) ?? 0,
    at: now,
    eventId,
    qualifyingByLot: state.qualifyingByLot,
  });
  state.refundedByOrder.set(orderId, plan.refundedTotal);
  return {
    orderId,
    refundedTotal: plan.refundedTotal,
    clawback: plan.totals.clawback,
    cancelledPending: plan.totals.cancelledPending,
    reversed: plan.totals.reversed,
    toDebt: plan.totals.toDebt,
    forgiven: plan.totals.forgiven,
  };
}

/** Upgrades are immediate (possibly several tiers); downgrades wait for the review. */
function upgradeTierIfQualified(program: ProgramVersion, state: MemberState, now: Date, eventId: string): TierOutcome {
  const { member, write } = state;
  const decision = decideTier({ program: program.definition, member: { tierId: member.tierId, manualTierId: member.manualTierId }, summary: state.summary });
  const from = member.tierId;
  if (decision.changed) {
    const nextReview = program.definition.qualification.review.anchor === 'tier_start_date' ? nextReviewAt(program.definition, { joinedAt: member.joinedAt, tierStartedAt: now }, now) : null;
    write.tier = { tierId: decision.toTierId, startedAt: now, nextReviewAt: nextReview };
    state.member = { ...member, tierId: decision.toTierId, tierStartedAt: now, graceUntil: null, nextReviewAt: nextReview ?? member.nextReviewAt };
    state.pendingTierChanges.push({
      memberId: member.id,
      fromTier: from,
      toTier: decision.toTierId,
      reason: decision.reason === 'manual_floor' ? 'manual_floor' : 'upgrade',
      at: now,
      programVersion: program.version,
      reviewKey: `event:${eventId}`,
    });
  } else if (decision.clearsGrace && member.graceUntil) {
    write.clearGrace = true;
    state.member = { ...member, graceUntil: null };
  }
  return { from, to: decision.toTierId, changed: decision.changed };
}
