import type { Pool, PoolClient } from '../db/index.js';
import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../errors/index.js';
import { getMember, type Member } from '../members/index.js';
import { addToOutbox } from '../outbox/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { currentProgram, type ProgramVersion } from '../program/store.js';
import { QUEUES, jobId } from '../queues/index.js';
import { evaluateEvent, limitWindowsForEvent, type RuleOutcome, type RuleUsage } from '../rules/index.js';
import { currentQualificationWindow, decideTier, nextReviewAt } from '../tiers/index.js';
import { activitySummaries } from './activity.js';
import { eventFingerprint, eventIdOf, idempotencyKeyOf, knownEventTypes, type EventInput } from './event-input.js';
import { MemberLedger, type WrittenEntry } from './member-ledger.js';

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
  entries: Omit<WrittenEntry, 'seq'>[];
  rules: readonly RuleOutcome[];
  refund?: { orderId: string; refundedTotal: number; clawback: number; cancelledPending: number; reversed: number; toDebt: number; forgiven: number };
  tier: TierOutcome;
  balance: { available: number; pending: number };
  fingerprint: string;
}

/** Rolls a transaction back on purpose: a dry run does everything and keeps nothing. */
class DryRunRollback extends Error {
  constructor(readonly result: EventResult) {
    super('dry run');
  }
}

export async function ingestEvent(pool: Pool, input: EventInput, opts: IngestOptions): Promise<EventResult> {
  const key = idempotencyKeyOf(input, opts.headerKey);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await ingestInTransaction(client, input, key, opts);
    if (opts.dryRun && !result.replayed) throw new DryRunRollback(result);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof DryRunRollback) return err.result;
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A batch: every event is validated and every member checked before anything is written; then each
 * event commits on its own (a replayed key inside the batch is simply a replay).
 */
export async function ingestBatch(pool: Pool, inputs: readonly EventInput[], opts: IngestOptions, concurrency = 8): Promise<EventResult[]> {
  const program = await currentProgram(pool);
  const keys = inputs.map((e, i) => {
    try {
      assertKnownType(program.definition, e.type);
      return idempotencyKeyOf(e);
    } catch (err) {
      if (err instanceof LaurelError) throw new ValidationError(err.code, `events[${i}]: ${err.message}`, { index: i });
      throw err;
    }
  });
  const memberIds = [...new Set(inputs.map((e) => e.memberId))];
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM members WHERE id = ANY($1::text[])`, [memberIds]);
  const found = new Set(rows.map((r) => r.id));
  const missing = memberIds.filter((id) => !found.has(id));
  if (missing.length > 0) throw new NotFoundError('unknown_member', `member ${missing[0]} does not exist${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`, { missing });
  const results: EventResult[] = new Array(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await ingestEvent(pool, inputs[i]!, { ...opts, headerKey: keys[i] });
    }
  });
  await Promise.all(workers);
  return results;
}

function assertKnownType(program: ProgramDefinition, type: string): void {
  if (!knownEventTypes(program).has(type)) {
    throw new ValidationError('unknown_event_type', `event type "${type}" is not known to the program (built-in types, rule triggers and qualification events are)`, { type });
  }
}

async function ingestInTransaction(client: PoolClient, input: EventInput, key: string, opts: IngestOptions): Promise<EventResult> {
  const now = opts.now ?? new Date();
  const fingerprint = eventFingerprint(input);
  const program = await currentProgram(client);
  assertKnownType(program.definition, input.type);
  // The member row lock serializes everything that touches this member's points.
  const member = await getMember(client, input.memberId, true);
  const previous = await client.query<{ result: EventResult }>(`SELECT result FROM events WHERE idempotency_key = $1`, [key]);
  if (previous.rows[0]) {
    const original = previous.rows[0].result;
    if (original.fingerprint !== fingerprint) {
      throw new ConflictError('idempotency_key_reused', `idempotency key "${key}" was already used for a different event`, { eventId: original.eventId });
    }
    return { ...original, replayed: true, dryRun: Boolean(opts.dryRun) };
  }
  const eventId = eventIdOf(key);
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  const ledger = await MemberLedger.open(client, {
    memberId: member.id,
    returnPolicy: program.definition.returnPolicy,
    programVersion: program.version,
    source: opts.source,
    orderIds: input.type === 'refund' && input.orderId ? [input.orderId] : [],
  });
  await ledger.prepare(now, `${eventId}:prepare`);

  let rules: readonly RuleOutcome[] = [];
  let refund: EventResult['refund'];
  if (input.type === 'refund') {
    refund = await applyRefund(client, ledger, member, input, eventId, now);
  } else {
    rules = await applyEarningRules(client, ledger, program, member, input, eventId, occurredAt, now);
  }
  await enforcePartnerCap(client, opts, ledger.entries);
  const balance = await ledger.finish();
  const tier = await upgradeTierIfQualified(client, program, member, now, eventId);
  await client.query(`UPDATE members SET last_activity_at = greatest(coalesce(last_activity_at, $2), $2) WHERE id = $1`, [member.id, occurredAt]);

  const earned = ledger.entries.filter((e) => e.kind === 'earn');
  const result: EventResult = {
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
      qualifying: ledger.entries.reduce((s, e) => s + e.qualifyingPoints, 0),
    },
    entries: ledger.entries.map(({ seq: _seq, ...rest }) => rest),
    rules,
    ...(refund ? { refund } : {}),
    tier,
    balance: { available: balance.available, pending: balance.pending },
    fingerprint,
  };
  await client.query(
    `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, properties, source, program_version, result)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [eventId, key, member.id, input.type, occurredAt, input.amount ?? null, input.orderId ?? null, JSON.stringify(input.properties ?? {}), opts.source, program.version, JSON.stringify(result)],
  );
  await addToOutbox(client, [{ queue: QUEUES.memberEvents, name: 'member-event', jobId: jobId('evt', eventId), payload: { eventId, memberId: member.id } }]);
  return result;
}

async function applyEarningRules(
  client: PoolClient,
  ledger: MemberLedger,
  program: ProgramVersion,
  member: Member,
  input: EventInput,
  eventId: string,
  occurredAt: Date,
  now: Date,
): Promise<readonly RuleOutcome[]> {
  const snapshot = { id: member.id, tierId: member.tierId, timeZone: member.timeZone, joinedAt: member.joinedAt, attributes: member.attributes };
  const windows = limitWindowsForEvent({ program: program.definition, member: snapshot, eventType: input.type, at: occurredAt });
  const usage: RuleUsage[] = [];
  for (const w of windows) {
    const { rows } = await client.query<{ fired: number; points: number }>(
      `SELECT count(DISTINCT event_id)::bigint AS fired, coalesce(sum(amount), 0)::bigint AS points
         FROM ledger_entries
        WHERE member_id = $1 AND rule_id = $2 AND kind = 'earn' AND component = 'base' AND at >= $3 AND ($4::timestamptz IS NULL OR at < $4)`,
      [member.id, w.ruleId, w.start, w.end],
    );
    usage.push({ ruleId: w.ruleId, period: w.period, periodStart: w.start, timesFired: rows[0]!.fired, points: rows[0]!.points });
  }
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
    await ledger.earn({
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
  }
  return decision.rules;
}

async function applyRefund(client: PoolClient, ledger: MemberLedger, member: Member, input: EventInput, eventId: string, now: Date): Promise<EventResult['refund']> {
  const orderId = input.orderId!;
  const purchase = await client.query(`SELECT 1 FROM events WHERE member_id = $1 AND order_id = $2 AND type = 'purchase' LIMIT 1`, [member.id, orderId]);
  if (purchase.rowCount === 0) throw new LaurelError('unknown_order', `member ${member.id} has no purchase with order ${orderId}`, { status: 422, details: { orderId } });
  const before = await client.query<{ refunded_total: number }>(`SELECT refunded_total FROM order_refunds WHERE member_id = $1 AND order_id = $2`, [member.id, orderId]);
  const orderLots = ledger.lotList().filter((l) => l.orderId === orderId);
  const earned = await client.query<{ idempotency_key: string; qualifying_points: number }>(
    `SELECT idempotency_key, qualifying_points FROM ledger_entries WHERE member_id = $1 AND kind = 'earn' AND idempotency_key = ANY($2::text[])`,
    [member.id, orderLots.map((l) => l.id)],
  );
  const plan = await ledger.refund({
    key: `${eventId}:reverse`,
    orderId,
    amount: input.amount!,
    refundedBefore: before.rows[0]?.refunded_total ?? 0,
    at: now,
    eventId,
    qualifyingByLot: new Map(earned.rows.map((r) => [r.idempotency_key, r.qualifying_points])),
  });
  await client.query(
    `INSERT INTO order_refunds (member_id, order_id, refunded_total) VALUES ($1, $2, $3)
     ON CONFLICT (member_id, order_id) DO UPDATE SET refunded_total = EXCLUDED.refunded_total`,
    [member.id, orderId, plan.refundedTotal],
  );
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

async function enforcePartnerCap(client: PoolClient, opts: IngestOptions, entries: readonly WrittenEntry[]): Promise<void> {
  if (!opts.dailyPointCap) return;
  const now = opts.now ?? new Date();
  const points = entries.filter((e) => e.kind === 'earn').reduce((s, e) => s + e.amount, 0);
  if (points === 0) return;
  const { rows } = await client.query<{ total: number }>(
    `SELECT coalesce(sum(amount), 0)::bigint AS total FROM ledger_entries
      WHERE source = $1 AND kind = 'earn' AND created_at >= date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    [opts.source, now],
  );
  // The rows of this event are already counted (same transaction).
  if (rows[0]!.total > opts.dailyPointCap) {
    throw new LaurelError('partner_cap_exceeded', `this event would take ${opts.source} past its cap of ${opts.dailyPointCap} points today`, {
      status: 422,
      details: { cap: opts.dailyPointCap, wouldReach: rows[0]!.total },
    });
  }
}

/** Upgrades are immediate (possibly several tiers); downgrades wait for the review. */
async function upgradeTierIfQualified(client: PoolClient, program: ProgramVersion, member: Member, now: Date, eventId: string): Promise<TierOutcome> {
  const window = currentQualificationWindow(program.definition, now);
  const summary = (await activitySummaries(client, program.definition, [member.id], window)).get(member.id)!;
  const decision = decideTier({ program: program.definition, member: { tierId: member.tierId, manualTierId: member.manualTierId }, summary });
  if (decision.changed) {
    const nextReview = program.definition.qualification.review.anchor === 'tier_start_date' ? nextReviewAt(program.definition, { joinedAt: member.joinedAt, tierStartedAt: now }, now) : member.nextReviewAt;
    await client.query(`UPDATE members SET tier_id = $2, tier_started_at = $3, grace_until = NULL, next_review_at = $4, updated_at = now() WHERE id = $1`, [
      member.id,
      decision.toTierId,
      now,
      nextReview,
    ]);
    await client.query(
      `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [member.id, member.tierId, decision.toTierId, decision.reason === 'manual_floor' ? 'manual_floor' : 'upgrade', now, program.version, `event:${eventId}`],
    );
  } else if (decision.clearsGrace && member.graceUntil) {
    await client.query(`UPDATE members SET grace_until = NULL WHERE id = $1`, [member.id]);
  }
  return { from: member.tierId, to: decision.toTierId, changed: decision.changed };
}
