import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMissionFanoutHandler, MissionInputSchema, type MissionInput } from '../../../src/journeys/missions/index.js';
import { checkLedgerInvariant, ingestEvent, type EventInput } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { QUEUES } from '../../../src/queues/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** protobufjs' JSON form (historyToJSON trips over the two protobufjs copies installed). */
function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

describe('missions: fan-out → signalWithStart → one workflow per member per period → award queue', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];
  const recorded: Record<string, string> = {};

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email', FREQUENCY_CAPS: JSON.stringify({ bronze: { day: 100 }, silver: { day: 100 }, gold: { day: 100 }, diamond: { day: 100 } }) });
    program = await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
  });

  afterAll(async () => {
    await api?.close();
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  async function member(id: string): Promise<string> {
    await upsertMember(env.ctx.pool, id, { email: `${id}.${env.id}@example.test`, firstName: 'Sara', consent: { email: { marketing: true, transactional: true } } }, program, 'test');
    return `${id}.${env.id}@example.test`;
  }
  async function defineMission(input: MissionInput) {
    const res = await api.call('POST', '/v1/missions', marketer, input);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return MissionInputSchema.parse(input);
  }
  const purchase = (memberId: string, orderId: string, at?: Date): EventInput => ({ memberId, type: 'purchase', amount: 200_000, orderId, ...(at ? { occurredAt: at.toISOString() } : {}) });
  /** Every relayed member event handled: the outbox is empty and the fan-out queue has nothing left to run. */
  async function fanoutDrained(): Promise<void> {
    const queue = new Queue(QUEUES.memberEvents, { connection: env.ctx.redis, prefix: env.ctx.config.queuePrefix });
    try {
      const pending = async () => {
        const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL`);
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return rows[0]!.n + Object.values(counts).reduce((a, b) => a + b, 0);
      };
      expect(await until(pending, (n) => n === 0)).toBe(0);
    } finally {
      await queue.close();
    }
  }
  const enrollment = async (workflowId: string) => (await env.ctx.pool.query(`SELECT status, progress, target FROM mission_enrollments WHERE workflow_id = $1`, [workflowId])).rows[0];
  async function record(name: string, workflowId: string) {
    await env.ctx.temporal.workflow.getHandle(workflowId).result();
    recorded[name] = workflowId;
    if (process.env.RECORD_HISTORIES === '1') {
      const history = await env.ctx.temporal.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', `${name}.json`), historyJson(history));
    }
  }

  it('duplicate events count once; a refund before completion un-counts; completion awards once and announces', async () => {
    const email = await member('ana');
    await defineMission({ id: 'three-buys', name: '3 purchases this month', trigger: 'purchase', goal: { type: 'count', target: 3 }, period: { type: 'calendar_month' }, rewardPoints: 20 });
    const p1 = await ingestEvent(env.ctx.pool, purchase('ana', 'o1'), { source: 'api' });
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: program.timeZone, year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const workflowId = `mission:three-buys:ana:${month}`;
    await until(() => enrollment(workflowId), (e) => e?.progress === 1);
    // The same event redelivered (a BullMQ retry, a replayed key): the handler runs again, twice.
    const handler = createMissionFanoutHandler({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue });
    await handler.handle({ eventId: p1.eventId, memberId: 'ana' });
    await handler.handle({ eventId: p1.eventId, memberId: 'ana' });
    expect((await ingestEvent(env.ctx.pool, purchase('ana', 'o1'), { source: 'api' })).replayed).toBe(true);
    await ingestEvent(env.ctx.pool, purchase('ana', 'o2'), { source: 'api' });
    await until(() => enrollment(workflowId), (e) => e?.progress === 2);
    const progress = (await env.ctx.temporal.workflow.getHandle(workflowId).query('missionProgress')) as { progress: number; counted: number };
    expect(progress).toMatchObject({ progress: 2, counted: 2 });
    // One step away: one nudge.
    await until(() => env.ctx.pool.query(`SELECT id FROM messages WHERE kind = 'mission_progress' AND member_id = 'ana'`), (r) => r.rowCount === 1);

    // Refund of o1 before completion: it no longer counts, and a redelivery of it never will.
    await ingestEvent(env.ctx.pool, { memberId: 'ana', type: 'refund', amount: 200_000, orderId: 'o1', refundId: 'r1' }, { source: 'api' });
    await until(async () => (await env.ctx.temporal.workflow.getHandle(workflowId).query('missionProgress')) as { progress: number }, (p) => p.progress === 1);
    await handler.handle({ eventId: p1.eventId, memberId: 'ana' });
    await ingestEvent(env.ctx.pool, purchase('ana', 'o3'), { source: 'api' });
    await until(() => enrollment(workflowId), (e) => e?.progress === 2);
    expect(await enrollment(workflowId)).toMatchObject({ status: 'active', progress: 2 });

    await ingestEvent(env.ctx.pool, purchase('ana', 'o4'), { source: 'api' });
    const result = await env.ctx.temporal.workflow.getHandle(workflowId).result();
    expect(result).toEqual({ outcome: 'completed', progress: 3 });
    expect(await enrollment(workflowId)).toMatchObject({ status: 'completed', progress: 3 });
    const awards = await env.ctx.pool.query(`SELECT id, points, source, granted_at FROM awards WHERE member_id = 'ana'`);
    expect(awards.rows).toHaveLength(1);
    expect(awards.rows[0]).toMatchObject({ id: workflowId, points: 20, source: 'mission:three-buys' });
    const entries = await env.ctx.pool.query(`SELECT amount FROM ledger_entries WHERE member_id = 'ana' AND source = 'mission:three-buys'`);
    expect(entries.rows).toEqual([{ amount: 20 }]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['ana'])).toEqual([]);
    // Besides the welcome mail every new member gets.
    const mail = (await waitForMail(env.stack.mailboxUrl, email, 3)).filter((m) => !/welcome/i.test(m.subject));
    expect(mail.map((m) => m.subject).sort()).toEqual(['Mission complete: 20 bonus points', 'Sara, 1 more to go for 20 bonus points']);
    expect(mail.map((m) => m.text).join('\n')).toContain('3 purchases this month');
    const completedMessages = await env.ctx.pool.query(`SELECT id FROM messages WHERE kind = 'mission_completed' AND member_id = 'ana'`);
    expect(completedMessages.rows).toEqual([{ id: `mission_completed.${workflowId}.email` }]);
    // A fifth purchase in the same month starts nothing new: the period is done.
    await ingestEvent(env.ctx.pool, purchase('ana', 'o5'), { source: 'api' });
    await sleep(1500);
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM awards WHERE member_id = 'ana'`)).rows[0].n).toBe(1);

    // The member API lists the mission with its progress.
    const listed = await api.call('GET', '/v1/members/ana/missions', marketer);
    expect(listed.status).toBe(200);
    const missions = listed.body.missions as { id: string; current: { status: string; progress: number; target: number } | null }[];
    expect(missions.find((m) => m.id === 'three-buys')?.current).toMatchObject({ status: 'completed', progress: 3, target: 3 });
    await record('mission-completed', workflowId);
  });

  it('a mission completed exactly at the deadline counts an event that occurred in time but arrived late; one at the deadline does not', async () => {
    await member('ben');
    await member('cem');
    await defineMission({
      id: 'flash',
      name: 'Two reviews in a flash',
      trigger: 'review',
      goal: { type: 'count', target: 2 },
      period: { type: 'from_enrollment', seconds: 3 },
      recurrence: 'once',
      rewardPoints: 15,
      lateEventGraceSeconds: 8,
    });
    const t0 = new Date();
    await ingestEvent(env.ctx.pool, { memberId: 'ben', type: 'review', idempotencyKey: `ben-1-${env.id}`, occurredAt: t0.toISOString() }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'review', idempotencyKey: `cem-1-${env.id}`, occurredAt: t0.toISOString() }, { source: 'api' });
    const benId = 'mission:flash:ben:once';
    const cemId = 'mission:flash:cem:once';
    await until(() => enrollment(benId), (e) => e?.progress === 1);
    await until(() => enrollment(cemId), (e) => e?.progress === 1);
    const { rows } = await env.ctx.pool.query(`SELECT ends_at FROM mission_enrollments WHERE workflow_id = $1`, [benId]);
    const endsAt: Date = rows[0].ends_at;
    // Past the deadline (inside the late-event grace) the last events arrive.
    await sleep(Math.max(0, endsAt.getTime() - Date.now()) + 300);
    await ingestEvent(env.ctx.pool, { memberId: 'ben', type: 'review', idempotencyKey: `ben-2-${env.id}`, occurredAt: new Date(endsAt.getTime() - 1).toISOString() }, { source: 'api' });
    await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'review', idempotencyKey: `cem-2-${env.id}`, occurredAt: endsAt.toISOString() }, { source: 'api' });
    expect(await env.ctx.temporal.workflow.getHandle(benId).result()).toEqual({ outcome: 'completed', progress: 2 });
    expect(await env.ctx.temporal.workflow.getHandle(cemId).result()).toEqual({ outcome: 'expired', progress: 1 });
    expect(await enrollment(benId)).toMatchObject({ status: 'completed' });
    expect(await enrollment(cemId)).toMatchObject({ status: 'expired', progress: 1 });
    await until(() => env.ctx.pool.query(`SELECT granted_at FROM awards WHERE id = $1`, [benId]), (r) => r.rows[0]?.granted_at != null);
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM awards WHERE id = $1`, [cemId])).rows[0].n).toBe(0);
    // `once`: cem's later review opens no second period.
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM mission_enrollments WHERE member_id = 'cem'`)).rows[0].n).toBe(1);
    await record('mission-deadline', benId);
    await record('mission-expired', cemId);
  });

  it('opt-in missions count only after the member opts in (member token), sums use the event field', async () => {
    await member('dara');
    await defineMission({ id: 'spend-big', name: 'Spend 500,000', trigger: 'purchase', goal: { type: 'sum', target: 500_000 }, period: { type: 'calendar_month' }, enrollment: 'opt_in', rewardPoints: 30 });
    await ingestEvent(env.ctx.pool, purchase('dara', 'd1'), { source: 'api' });
    // d1 must have been fanned out before the opt-in (a loaded machine can take longer than a second).
    await sleep(1000);
    await fanoutDrained();
    expect((await env.ctx.pool.query(`SELECT count(*)::int AS n FROM mission_enrollments WHERE mission_id = 'spend-big'`)).rows[0].n).toBe(0);
    const admin = await apiKey(env, 'admin');
    const token = (await api.call('POST', '/v1/members/dara/tokens', admin)).body.token as string;
    const optIn = await api.call('POST', '/v1/missions/spend-big/enrollments', token, { memberId: 'dara' });
    expect(optIn.status, JSON.stringify(optIn.body)).toBe(201);
    expect((await api.call('POST', '/v1/missions/spend-big/enrollments', token, { memberId: 'ana' })).status).toBe(403);
    // A mission for a segment dara is not in (the segment DSL): no opt-in, not listed.
    await defineMission({ id: 'gold-only', name: 'Gold club', trigger: 'purchase', goal: { type: 'count', target: 1 }, period: { type: 'calendar_month' }, enrollment: 'opt_in', rewardPoints: 5, segment: { tier: { in: ['gold'] } } });
    const refused = await api.call('POST', '/v1/missions/gold-only/enrollments', token, { memberId: 'dara' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('not_in_audience');
    const workflowId = optIn.body.workflowId as string;
    await ingestEvent(env.ctx.pool, { ...purchase('dara', 'd2'), amount: 300_000 }, { source: 'api' });
    expect((await until(() => enrollment(workflowId), (e) => e?.progress === 300_000))?.progress).toBe(300_000);
    await ingestEvent(env.ctx.pool, { ...purchase('dara', 'd3'), amount: 250_000 }, { source: 'api' });
    expect(await env.ctx.temporal.workflow.getHandle(workflowId).result()).toEqual({ outcome: 'completed', progress: 550_000 });
    const mine = await api.call('GET', '/v1/members/dara/missions', token);
    const listedMissions = mine.body.missions as { id: string; current: { status: string } }[];
    expect(listedMissions.find((m) => m.id === 'spend-big')?.current.status).toBe('completed');
    expect(listedMissions.some((m) => m.id === 'gold-only')).toBe(false);
  });

  it('first events of a member arriving at once open one calendar-month period (by its key, without the lock) and all count', async () => {
    await member('eli');
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: program.timeZone, year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const workflowId = `mission:three-buys:eli:${month}`;
    const e1 = await ingestEvent(env.ctx.pool, purchase('eli', 'e1'), { source: 'api' });
    const e2 = await ingestEvent(env.ctx.pool, purchase('eli', 'e2'), { source: 'api' });
    // Besides the fan-out worker racing on the same two events, two handlers each take both at once.
    const handlers = [0, 1].map(() => createMissionFanoutHandler({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue }));
    await Promise.all(handlers.flatMap((h) => [e1, e2].map((e) => h.handle({ eventId: e.eventId, memberId: 'eli' }))));
    await fanoutDrained();
    const { rows } = await env.ctx.pool.query(`SELECT workflow_id, enrolled_by FROM mission_enrollments WHERE member_id = 'eli'`);
    expect(rows).toEqual([{ workflow_id: workflowId, enrolled_by: 'event' }]);
    const progress = await until(async () => (await env.ctx.temporal.workflow.getHandle(workflowId).query('missionProgress')) as { progress: number; counted: number }, (p) => p.progress === 2);
    expect(progress).toMatchObject({ progress: 2, counted: 2 });
  });
});
