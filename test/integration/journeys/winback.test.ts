import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requalifyTarget, spendForPoints } from '../../../src/journeys/winback/index.js';
import { checkLedgerInvariant, ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const DAY_MS = 300; // a journey "day" in this test


/** protobufjs' JSON form (historyToJSON trips over the two protobufjs copies installed). */
function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

describe('win-back after demotion: started by the tier review, regained or lapsed', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email', FREQUENCY_CAPS: JSON.stringify({ bronze: { day: 100 }, silver: { day: 100 }, gold: { day: 100 }, diamond: { day: 100 } }) });
    program = await publishVariant(env, (p) => {
      p.qualification.downgrade = { maxStepsPerReview: 1, graceDays: 0 };
      p.winback = { requalifyPercent: 50, days: 20, nudgeDays: [5, 10], bonusPoints: 25 };
      return p;
    });
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });

  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  it('the challenge: half the lost threshold, and the spend that earns it', () => {
    expect(requalifyTarget(program, 'gold')).toBe(500);
    expect(spendForPoints(program, 500)).toBe(5_000_000);
    expect(spendForPoints(program, 495)).toBe(5_000_000);
  });

  it('regained through the challenge, regained through the ledger, lapsed with nudges; outcomes recorded', async () => {
    const reviewAt = new Date(Date.now() - 3_600_000);
    for (const id of ['reza', 'omid', 'lina']) {
      await upsertMember(env.ctx.pool, id, { email: `${id}.${env.id}@example.test`, firstName: id, consent: { email: { marketing: true, transactional: true } } }, program, 'test');
    }
    // Gold for a year without earning: the review at `reviewAt` demotes them one step.
    await env.ctx.pool.query(`UPDATE members SET tier_id = 'gold', tier_started_at = $1 WHERE id = ANY($2)`, [new Date(reviewAt.getTime() - 366 * 86_400_000), ['reza', 'omid', 'lina']]);
    await env.ctx.pool.query(`UPDATE member_balances SET next_review_at = $1 WHERE member_id = ANY($2)`, [reviewAt, ['reza', 'omid', 'lina']]);
    const review = (await env.ctx.temporal.workflow.execute('tierReviewWorkflow', {
      workflowId: `tier-review-test-${env.id}`,
      taskQueue: env.config.taskQueue,
      args: [{ asOf: new Date().toISOString(), winbackDayMs: DAY_MS }],
    })) as { reviewed: Record<string, number>; winbacks: { started: number } };
    expect(review.reviewed, JSON.stringify(review)).toMatchObject({ downgraded: 3 });
    expect(review.winbacks.started).toBe(3);
    const date = reviewAt.toISOString().slice(0, 10);
    const id = (m: string) => `winback:${m}:${date}`;
    // A rerun of the review starts nothing twice.
    const again = (await env.ctx.temporal.workflow.execute('tierReviewWorkflow', {
      workflowId: `tier-review-test-${env.id}-again`,
      taskQueue: env.config.taskQueue,
      args: [{ asOf: new Date().toISOString(), winbackDayMs: DAY_MS }],
    })) as { winbacks: { started: number } };
    expect(again.winbacks.started).toBe(0);

    // The offer goes out at once, with what it takes.
    const offer = await until(() => env.ctx.pool.query(`SELECT vars FROM messages WHERE id = $1`, [`winback_offer.${id('reza')}.offer.email`]), (r) => r.rowCount === 1);
    expect(offer.rows[0].vars).toMatchObject({ previousTier: 'gold', pointsToRegain: 500, bonusPoints: 25, spendThreshold: { amountMinor: '5000000', currency: 'IRT' } });

    // reza meets the challenge (500 qualifying points, not enough for gold by the rules): the journey restores gold.
    await ingestEvent(env.ctx.pool, { memberId: 'reza', type: 'purchase', amount: 5_000_000, orderId: 'r1' }, { source: 'api' });
    // omid earns gold outright: the ledger upgrades him and the fan-out signals the journey.
    await ingestEvent(env.ctx.pool, { memberId: 'omid', type: 'purchase', amount: 10_000_000, orderId: 'o1' }, { source: 'api' });

    expect(await env.ctx.temporal.workflow.getHandle(id('reza')).result()).toEqual({ outcome: 'regained', progress: 500 });
    expect(await env.ctx.temporal.workflow.getHandle(id('omid')).result()).toEqual({ outcome: 'regained', progress: 1000 });
    expect(await env.ctx.temporal.workflow.getHandle(id('lina')).result()).toEqual({ outcome: 'lapsed', progress: 0 });

    const tiers = await env.ctx.pool.query(`SELECT id, tier_id FROM members WHERE id = ANY($1) ORDER BY id`, [['reza', 'omid', 'lina']]);
    expect(tiers.rows).toEqual([
      { id: 'lina', tier_id: 'silver' },
      { id: 'omid', tier_id: 'gold' },
      { id: 'reza', tier_id: 'gold' },
    ]);
    const changes = await env.ctx.pool.query(`SELECT member_id, from_tier, to_tier, reason FROM tier_changes WHERE member_id = ANY($1) ORDER BY member_id, id`, [['reza', 'omid']]);
    expect(changes.rows).toEqual([
      { member_id: 'omid', from_tier: 'gold', to_tier: 'silver', reason: 'review_downgrade' },
      { member_id: 'omid', from_tier: 'silver', to_tier: 'gold', reason: 'upgrade' },
      { member_id: 'reza', from_tier: 'gold', to_tier: 'silver', reason: 'review_downgrade' },
      { member_id: 'reza', from_tier: 'silver', to_tier: 'gold', reason: 'winback_requalified' },
    ]);
    const outcomes = await env.ctx.pool.query(`SELECT id, status, target_points, progress_points FROM winbacks ORDER BY id`);
    expect(outcomes.rows).toEqual([
      { id: id('lina'), status: 'lapsed', target_points: 500, progress_points: 0 },
      { id: id('omid'), status: 'regained', target_points: 500, progress_points: 1000 },
      { id: id('reza'), status: 'regained', target_points: 500, progress_points: 500 },
    ]);
    // lina was behind pace on both nudge days; nobody got anything twice.
    const offers = await env.ctx.pool.query(`SELECT id FROM messages WHERE kind = 'winback_offer' AND member_id = 'lina' ORDER BY id`);
    expect(offers.rows.map((r) => r.id)).toEqual([`winback_offer.${id('lina')}.nudge10.email`, `winback_offer.${id('lina')}.nudge5.email`, `winback_offer.${id('lina')}.offer.email`]);
    // The regain bonus, once each (award id = journey id).
    await until(() => env.ctx.pool.query(`SELECT id FROM awards WHERE source = 'winback' AND granted_at IS NOT NULL`), (r) => r.rowCount === 2);
    const bonus = await env.ctx.pool.query(`SELECT member_id, amount FROM ledger_entries WHERE source = 'winback' ORDER BY member_id`);
    expect(bonus.rows).toEqual([
      { member_id: 'omid', amount: 25 },
      { member_id: 'reza', amount: 25 },
    ]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['reza', 'omid', 'lina'])).toEqual([]);

    if (process.env.RECORD_HISTORIES === '1') {
      for (const [name, workflowId] of [
        ['winback-regained', id('reza')],
        ['winback-regained-by-ledger', id('omid')],
        ['winback-lapsed', id('lina')],
        ['tier-review', `tier-review-test-${env.id}`],
      ] as const) {
        const history = await env.ctx.temporal.workflow.getHandle(workflowId).fetchHistory();
        writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', `${name}.json`), historyJson(history));
      }
    }
  });
});
