import type { Pool, PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { runOnce } from '../idempotency/index.js';
import { ConflictError, LaurelError, ValidationError } from '../errors/index.js';
import { getMember } from '../members/index.js';
import { currentProgram } from '../program/store.js';
import { openMemberLedger, writeMemberLedger } from './ledger-write.js';

export interface AdjustmentResult {
  adjustmentId: string;
  memberId: string;
  points: number;
  reason: string;
  balance: { available: number; pending: number };
  replayed: boolean;
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
