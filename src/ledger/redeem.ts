import type { Pool, PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { runOnce } from '../idempotency/index.js';
import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../errors/index.js';
import { getMember } from '../members/index.js';
import { currentProgram } from '../program/store.js';
import { openMemberLedger, writeMemberLedger } from './ledger-write.js';

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

function redemptionIdOf(memberId: string, key: string): string {
  return `red:${memberId}:${key}`;
}

/** Spends points on a catalog reward; 409 `insufficient_balance` when the member has too few. */
export async function redeemReward(
  pool: Pool,
  input: { memberId: string; rewardId: string; quantity: number; idempotencyKey: string; actor: string; now?: Date },
): Promise<RedemptionResult> {
  const request = { rewardId: input.rewardId, quantity: input.quantity };
  const lock = (client: PoolClient) => getMember(client, input.memberId, true);
  return await runOnce(pool, { scope: 'redemption', key: `${input.memberId}:${input.idempotencyKey}`, request, what: 'redemption', lock }, async (client) => {
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
    const ledger = await openMemberLedger(client, {
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
    const balance = await writeMemberLedger(client, ledger, { lastActivityAt: now });
    return { redemptionId: id, memberId: input.memberId, rewardId: reward.id, quantity: input.quantity, points, balance: { available: balance.available, pending: balance.pending }, replayed: false };
  });
}

/** A manual adjustment (admin): positive adds a lot, negative spends like a redemption. Audit logged. */
export async function adjustPoints(
  pool: Pool,
  input: { memberId: string; points: number; reason: string; idempotencyKey: string; actor: string; expiresAt?: Date | null; now?: Date },
): Promise<AdjustmentResult> {
  if (!Number.isSafeInteger(input.points) || input.points === 0) throw new ValidationError('invalid_amount', 'points must be a non-zero integer');
  const request = { points: input.points, reason: input.reason, expiresAt: input.expiresAt ?? null };
  const lock = (client: PoolClient) => getMember(client, input.memberId, true);
  return await runOnce(pool, { scope: 'adjustment', key: `${input.memberId}:${input.idempotencyKey}`, request, what: 'adjustment', lock }, async (client) => {
    const now = input.now ?? new Date();
    const program = await currentProgram(client);
    const id = `adj:${input.memberId}:${input.idempotencyKey}`;
    const ledger = await openMemberLedger(client, { memberId: input.memberId, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source: 'admin' });
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
    const balance = await writeMemberLedger(client, ledger);
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
