import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LaurelError } from '../../../src/errors/index.js';
import { adjustPoints, checkLedger, ingestEvent } from '../../../src/ledger/index.js';
import { lotExpiresAt } from '../../../src/ledger/core/index.js';
import { LedgerOracle } from '../../support/ledger-oracle.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition, ReturnPolicy } from '../../../src/program/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishVariant } from '../../support/ledger-fixture.js';

/**
 * The Postgres ledger against the test oracle (test/support/ledger-oracle.ts): the same random sequences of earn,
 * redeem (a negative adjustment), refund and adjust must leave the same balances, and the database
 * must satisfy balance = sum of entries = sum of open lots after every sequence. Replaying any
 * prefix changes nothing.
 */
type Op =
  | { type: 'earn'; amount: number }
  | { type: 'spend'; points: number }
  | { type: 'refund'; order: number; amount: number }
  | { type: 'grant'; points: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('earn' as const), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ type: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ type: fc.constant('refund' as const), order: fc.nat(8), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ type: fc.constant('grant' as const), points: fc.integer({ min: 1, max: 200 }) }),
);

describe.each<ReturnPolicy>(['within_balance', 'allow_negative', 'pending_only'])('Postgres ledger ≡ the test oracle (%s)', (policy) => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let run = 0;

  beforeAll(async () => {
    env = await createTestEnv();
    program = await publishVariant(env, (p) => {
      p.returnPolicy = policy;
      const purchase = p.earningRules.find((r) => r.id === 'purchase')!;
      // One point per minor unit, spendable at once, no tier bonus: the model's earn is the amount.
      purchase.effect = { type: 'per_amount_step', step: 1, points: 1, amountField: 'event.amount' };
      purchase.pendingDays = 0;
      purchase.applyTierBonus = false;
      return p;
    });
  });
  afterAll(async () => env?.cleanup());

  it('agrees on every random sequence and replays are no-ops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.nat(), async (ops, prefixSeed) => {
        run += 1;
        const memberId = `${policy}-p${run}`;
        await upsertMember(env.ctx.pool, memberId, {}, program, 'test');
        const model = new LedgerOracle({ returnPolicy: policy });
        const base = Date.now() - 60 * 60_000;
        const orders: { id: string; amount: number; refunded: number }[] = [];
        const applied: (() => Promise<unknown>)[] = [];

        for (const [i, op] of ops.entries()) {
          const at = new Date(base + i * 1000);
          const key = `${memberId}-op${i}`;
          let dbRun: () => Promise<unknown>;
          let modelRun: () => unknown;
          if (op.type === 'earn') {
            const orderId = `o${orders.length}`;
            orders.push({ id: orderId, amount: op.amount, refunded: 0 });
            dbRun = () => ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount: op.amount, orderId, occurredAt: at.toISOString() }, { source: 'api', now: at });
            modelRun = () =>
              model.apply({ type: 'earn', key, memberId, at, points: op.amount, orderId, orderAmount: op.amount, ruleId: 'purchase', expiresAt: lotExpiresAt(program.expiry, at, program.timeZone) });
          } else if (op.type === 'refund') {
            const order = orders[op.order % Math.max(orders.length, 1)];
            if (!order || order.refunded >= order.amount) continue;
            const amount = Math.min(op.amount, order.amount - order.refunded);
            order.refunded += amount;
            dbRun = () => ingestEvent(env.ctx.pool, { memberId, type: 'refund', amount, orderId: order.id, refundId: key, occurredAt: at.toISOString() }, { source: 'api', now: at });
            modelRun = () => model.apply({ type: 'refund', key, memberId, at, orderId: order.id, amount });
          } else {
            const points = op.type === 'spend' ? -op.points : op.points;
            dbRun = () => adjustPoints(env.ctx.pool, { memberId, points, reason: op.type, idempotencyKey: key, actor: 'test', now: at });
            modelRun = () => model.apply({ type: 'adjust', key, memberId, at, points, actor: 'test', reason: op.type });
          }
          let modelError: unknown;
          try {
            modelRun();
          } catch (err) {
            modelError = err;
          }
          let dbError: unknown;
          try {
            await dbRun();
          } catch (err) {
            dbError = err;
          }
          // Both refuse the same operations (insufficient points), with the same kind of error.
          expect(dbError === undefined, `op ${i} ${JSON.stringify(op)}: db ${String(dbError)} vs model ${String(modelError)}`).toBe(modelError === undefined);
          if (dbError) {
            expect(dbError).toBeInstanceOf(LaurelError);
            continue;
          }
          applied.push(dbRun);
        }
        const snapshot = async () => {
          const { rows } = await env.ctx.pool.query<{ total: number; entries: number }>(
            `SELECT (SELECT coalesce(sum(remaining_points), 0) FROM lots WHERE member_id = $1)::bigint AS total,
                    (SELECT count(*) FROM ledger_entries WHERE member_id = $1)::bigint AS entries`,
            [memberId],
          );
          return rows[0]!;
        };
        const after = await snapshot();
        expect(after.total).toBe(model.balance(memberId));
        // The nightly check (`laurel ledger check`): balances, pending split and the references the
        // event write no longer enforces with foreign keys.
        const check = await checkLedger(env.ctx.pool);
        expect(check.ok, JSON.stringify(check)).toBe(true);
        const { rows } = await env.ctx.pool.query<{ available: number }>(`SELECT available FROM member_balances WHERE member_id = $1`, [memberId]);
        expect(rows[0]!.available).toBe(model.balance(memberId) - model.pending(memberId));
        // Replaying any prefix of what was applied changes nothing.
        const prefix = applied.slice(0, prefixSeed % (applied.length + 1));
        for (const replay of prefix) await replay();
        expect(await snapshot()).toEqual(after);
      }),
      { numRuns: 25 },
    );
  });
});
