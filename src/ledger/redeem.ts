import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../errors/index.js';
import { getMember } from '../members/index.js';
import { currentProgram } from '../program/store.js';
import { MemberLedger } from './member-ledger.js';

export interface RedemptionResult {
  redemptionId: string;
  memberId: string;
  rewardId: string;
  quantity: number;
  points: number;
  balance: { available: number; pending: number };
  replayed: boolean;
}

export interface AdjustmentResult {
  adjustmentId: string;
  memberId: string;
  points: number;
  reason: string;
  balance: { available: number; pending: number };
  replayed: boolean;
}

/**
 * Runs `work` once per (scope, key): the response is stored with the writes in one transaction, and
 * a replay returns it without running anything. The member row lock serializes the member's writes.
 */
async function once<T extends { replayed: boolean }>(pool: Pool, scope: string, key: string, memberId: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return await withTransaction(pool, async (client) => {
    await getMember(client, memberId, true);
    const stored = await client.query<{ response: T }>(`SELECT response FROM idempotent_requests WHERE key = $1 AND scope = $2`, [`${scope}:${key}`, scope]);
    if (stored.rows[0]) return { ...stored.rows[0].response, replayed: true };
    const result = await work(client);
    await client.query(`INSERT INTO idempotent_requests (key, scope, response, status) VALUES ($1, $2, $3, 201)`, [`${scope}:${key}`, scope, JSON.stringify(result)]);
    return result;
  });
}

function redemptionIdOf(memberId: string, key: string): string {
  return `red:${memberId}:${key}`;
}

/** Spends points on a catalog reward; 409 `insufficient_balance` when the member has too few. */
export async function redeemReward(
  pool: Pool,
  input: { memberId: string; rewardId: string; quantity: number; idempotencyKey: string; actor: string; now?: Date },
): Promise<RedemptionResult> {
  return await once(pool, 'redemption', `${input.memberId}:${input.idempotencyKey}`, input.memberId, async (client) => {
    const now = input.now ?? new Date();
    const program = await currentProgram(client);
    const reward = program.definition.rewards.find((r) => r.id === input.rewardId);
    if (!reward) throw new NotFoundError('unknown_reward', `reward ${input.rewardId} is not in the catalog`, { rewardId: input.rewardId });
    if (reward.stock !== undefined && reward.stock !== null) {
      const { rows } = await client.query<{ used: number }>(
        `SELECT coalesce(sum((response ->> 'quantity')::int), 0)::bigint AS used FROM idempotent_requests WHERE scope = 'redemption' AND response ->> 'rewardId' = $1`,
        [reward.id],
      );
      if (rows[0]!.used + input.quantity > reward.stock) throw new ConflictError('reward_out_of_stock', `reward ${reward.id} has ${Math.max(reward.stock - rows[0]!.used, 0)} left`);
    }
    const points = reward.costPoints * input.quantity;
    const id = redemptionIdOf(input.memberId, input.idempotencyKey);
    const ledger = await MemberLedger.open(client, {
      memberId: input.memberId,
      returnPolicy: program.definition.returnPolicy,
      programVersion: program.version,
      source: 'api',
    });
    ledger.prepare(now, `${id}:prepare`);
    try {
      ledger.spend('redeem', id, points, now, { rewardId: reward.id, actor: input.actor });
    } catch (err) {
      if (err instanceof LaurelError && err.code === 'insufficient_points') {
        throw new ConflictError('insufficient_balance', `${input.memberId} has too few points for ${input.quantity} × ${reward.id}: ${err.message.replace(/^insufficient points: /, '')}`, err.details);
      }
      throw err;
    }
    const balance = await ledger.finish(client, { lastActivityAt: now });
    return { redemptionId: id, memberId: input.memberId, rewardId: reward.id, quantity: input.quantity, points, balance: { available: balance.available, pending: balance.pending }, replayed: false };
  });
}

/** A manual adjustment (admin): positive adds a lot, negative spends like a redemption. Audit logged. */
export async function adjustPoints(
  pool: Pool,
  input: { memberId: string; points: number; reason: string; idempotencyKey: string; actor: string; expiresAt?: Date | null; now?: Date },
): Promise<AdjustmentResult> {
  if (!Number.isSafeInteger(input.points) || input.points === 0) throw new ValidationError('invalid_amount', 'points must be a non-zero integer');
  return await once(pool, 'adjustment', `${input.memberId}:${input.idempotencyKey}`, input.memberId, async (client) => {
    const now = input.now ?? new Date();
    const program = await currentProgram(client);
    const id = `adj:${input.memberId}:${input.idempotencyKey}`;
    const ledger = await MemberLedger.open(client, { memberId: input.memberId, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source: 'admin' });
    ledger.prepare(now, `${id}:prepare`);
    const before = ledger.lotList().reduce((s, l) => s + l.remainingPoints, 0);
    const context = { actor: input.actor, reason: input.reason };
    if (input.points > 0) {
      ledger.earn({ key: id, points: input.points, at: now, pendingUntil: null, expiresAt: input.expiresAt ?? null, orderId: null, orderAmount: null, ruleId: null, context, kind: 'adjust' });
    } else {
      try {
        ledger.spend('adjust', id, -input.points, now, context);
      } catch (err) {
        if (err instanceof LaurelError && err.code === 'insufficient_points') throw new ConflictError('insufficient_balance', err.message, err.details);
        throw err;
      }
    }
    const balance = await ledger.finish(client);
    await appendAudit(client, {
      actor: input.actor,
      action: 'points.adjust',
      subject: `member:${input.memberId}`,
      before: { balance: before },
      after: { balance: balance.available + balance.pending, points: input.points, reason: input.reason },
    });
    return { adjustmentId: id, memberId: input.memberId, points: input.points, reason: input.reason, balance: { available: balance.available, pending: balance.pending }, replayed: false };
  });
}
