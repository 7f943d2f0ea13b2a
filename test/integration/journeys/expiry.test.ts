import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderStage } from '../../../src/journeys/expiry/index.js';
import { EXPIRY_SCHEDULE_ID, TIER_REVIEW_SCHEDULE_ID } from '../../../src/journeys/schedules/index.js';
import { adjustPoints, checkLedgerInvariant } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { publishExample } from '../../support/ledger-fixture.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;


/** protobufjs' JSON form (historyToJSON trips over the two protobufjs copies installed). */
function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

describe('the daily points-expiry sweep: reminders 30, 7 and 1 day(s) ahead, each once; then expiry', () => {
  let env: TestEnv;
  const roles: Role[] = [];

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email' });
    await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
  });

  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  it('picks the stage by days left', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(reminderStage(new Date(at.getTime() + 31 * DAY), at)).toBeUndefined();
    expect(reminderStage(new Date(at.getTime() + 30 * DAY), at)).toBe(30);
    expect(reminderStage(new Date(at.getTime() + 8 * DAY), at)).toBe(30);
    expect(reminderStage(new Date(at.getTime() + 7 * DAY), at)).toBe(7);
    expect(reminderStage(new Date(at.getTime() + 2 * DAY), at)).toBe(7);
    expect(reminderStage(new Date(at.getTime() + 1), at)).toBe(1);
    expect(reminderStage(at, at)).toBeUndefined();
  });

  it('the journeys role created both daily schedules (idempotently)', async () => {
    const expiry = await env.ctx.temporal.schedule.getHandle(EXPIRY_SCHEDULE_ID).describe();
    expect(expiry.action).toMatchObject({ type: 'startWorkflow', workflowType: 'expirySweepWorkflow' });
    const review = await env.ctx.temporal.schedule.getHandle(TIER_REVIEW_SCHEDULE_ID).describe();
    expect(review.action).toMatchObject({ type: 'startWorkflow', workflowType: 'tierReviewWorkflow' });
    // A second journeys process finds them and carries on.
    const again = await startJourneysRole(env.ctx, env.workflowBundle);
    await again.stop();
  });

  it('each reminder is sent once per member and expiry date however often the sweep runs; expired points are announced', async () => {
    const program = await publishExample(env, 'reference');
    const email = `eva.${env.id}@example.test`;
    await upsertMember(env.ctx.pool, 'eva', { email, firstName: 'Eva', consent: { email: { transactional: true } } }, program, 'test');
    const expiresAt = new Date(Math.ceil((Date.now() + 40 * DAY) / HOUR) * HOUR);
    const later = new Date(expiresAt.getTime() + 3 * DAY);
    // Two lots expiring on one date make one reminder; a lot on another date has its own.
    await adjustPoints(env.ctx.pool, { memberId: 'eva', points: 100, reason: 'seed lot one', idempotencyKey: 'l1', actor: 'test', expiresAt });
    await adjustPoints(env.ctx.pool, { memberId: 'eva', points: 50, reason: 'seed lot two', idempotencyKey: 'l2', actor: 'test', expiresAt });
    await adjustPoints(env.ctx.pool, { memberId: 'eva', points: 7, reason: 'seed lot three', idempotencyKey: 'l3', actor: 'test', expiresAt: later });

    let run = 0;
    const sweep = async (asOf: Date) =>
      (await env.ctx.temporal.workflow.execute('expirySweepWorkflow', { workflowId: `points-expiry-test-${env.id}-${(run += 1)}`, taskQueue: env.config.taskQueue, args: [{ asOf: asOf.toISOString() }] })) as {
        reminders: { messages: number };
        expired: { expiredPoints: number; messages: number };
      };
    const before = (days: number) => new Date(expiresAt.getTime() - days * DAY + HOUR);
    expect((await sweep(before(35))).reminders.messages).toBe(0);
    expect((await sweep(before(30))).reminders.messages).toBe(1);
    expect((await sweep(before(30))).reminders.messages).toBe(0); // the same day again
    expect((await sweep(before(27))).reminders.messages).toBe(1); // the later lot reaches its 30-day mark
    expect((await sweep(before(20))).reminders.messages).toBe(0);
    expect((await sweep(before(7))).reminders.messages).toBe(1);
    expect((await sweep(before(7))).reminders.messages).toBe(0);
    // One day before the first date, the later lot (four days out) is due its 7-day reminder too.
    expect((await sweep(before(1))).reminders.messages).toBe(2);
    const expiring = await env.ctx.pool.query(`SELECT id, vars FROM messages WHERE kind = 'points_expiring' AND member_id = 'eva' ORDER BY created_at`);
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: program.timeZone }).format(expiresAt);
    const laterDate = new Intl.DateTimeFormat('en-CA', { timeZone: program.timeZone }).format(later);
    expect(expiring.rows.map((r) => r.id).sort()).toEqual(
      [
        `points_expiring.eva.${date}.30d.email`,
        `points_expiring.eva.${laterDate}.30d.email`,
        `points_expiring.eva.${date}.7d.email`,
        `points_expiring.eva.${laterDate}.7d.email`,
        `points_expiring.eva.${date}.1d.email`,
      ].sort(),
    );
    expect(expiring.rows.find((r) => r.id === `points_expiring.eva.${date}.30d.email`)?.vars).toMatchObject({ points: 150, balance: 157 });

    const done = await sweep(new Date(expiresAt.getTime() + HOUR));
    expect(done.expired).toMatchObject({ expiredPoints: 150, messages: 1 });
    const rerun = await sweep(new Date(expiresAt.getTime() + HOUR));
    expect(rerun.expired).toMatchObject({ expiredPoints: 0, messages: 0 });
    const expired = await env.ctx.pool.query(`SELECT vars FROM messages WHERE kind = 'points_expired' AND member_id = 'eva'`);
    expect(expired.rows).toEqual([{ vars: { points: 150, balance: 7 } }]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['eva'])).toEqual([]);

    // Five reminders and one expiry notice, besides the welcome mail every new member gets.
    const notWelcome = (mail: { subject: string }[]) => mail.filter((m) => !/welcome/i.test(m.subject));
    const mail = notWelcome(await waitForMail(env.stack.mailboxUrl, email, 7));
    await new Promise((r) => setTimeout(r, 1500));
    expect(notWelcome(await waitForMail(env.stack.mailboxUrl, email, 8, 300))).toHaveLength(6);
    expect(mail).toHaveLength(6);

    if (process.env.RECORD_HISTORIES === '1') {
      const history = await env.ctx.temporal.workflow.getHandle(`points-expiry-test-${env.id}-${run}`).fetchHistory();
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'expiry-sweep.json'), historyJson(history));
    }
  });
});
