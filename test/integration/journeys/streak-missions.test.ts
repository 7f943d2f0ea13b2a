import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissionInputSchema, type MissionInput } from '../../../src/journeys/missions/index.js';
import { streakPeriodIndex, streakPeriodStart, type StreakCalendar } from '../../../src/journeys/missions/streak.js';
import { checkLedgerInvariant, ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import { calendar, type ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A zone (fixed offset) where it is now between 06:00 and 18:00, so that "yesterday 23:50" and
 * "today 00:10" are both in the past; and whose midnight is not the program's (Asia/Tehran,
 * +03:30): those two instants are one day in Tehran and two for the member.
 */
function memberZone(now: Date): string {
  for (let offset = -10; offset <= 12; offset++) {
    const hour = (now.getUTCHours() + offset + 24) % 24;
    if (hour >= 6 && hour <= 18) return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  }
  throw new Error('no zone');
}

describe('streak missions through the real path: fan-out → one workflow per attempt → award', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];
  const zone = memberZone(new Date());
  const day: StreakCalendar = { unit: 'day', timeZone: zone, weekStartsOn: 'saturday' };
  /** Member-local `hh:mm` of the day `daysAgo` days before today. */
  const localAt = (daysAgo: number, hhmm: string) => {
    const today = calendar.toLocalDate(new Date(), zone);
    const date = calendar.addDaysToLocalDate(today, -daysAgo);
    const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
    return calendar.fromLocalDateTime({ ...date, hour, minute, second: 0, millisecond: 0 }, zone);
  };
  const today = () => streakPeriodIndex(new Date(), day);

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'inbox' });
    program = await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    for (const id of ['ana', 'bob', 'cyd', 'dee', 'eve']) await upsertMember(env.ctx.pool, id, { firstName: 'Sara', timeZone: zone }, program, 'test');
    // Both take every login: a 3-day streak with a day of grace for late events, and a strict one.
    for (const mission of [
      { id: 'login-3', name: 'Three days in a row', trigger: 'login', goal: { type: 'streak', target: 3 }, period: { type: 'streak', unit: 'day' }, rewardPoints: 50, lateEventGraceSeconds: 86_400 },
      { id: 'login-3-strict', name: 'Three days in a row, no grace', trigger: 'login', goal: { type: 'streak', target: 3 }, period: { type: 'streak', unit: 'day' }, rewardPoints: 5, lateEventGraceSeconds: 0 },
      { id: 'buy-3-weeks', name: 'A purchase in each of 3 weeks', trigger: 'purchase', goal: { type: 'streak', target: 3 }, period: { type: 'streak', unit: 'week' }, rewardPoints: 30, lateEventGraceSeconds: 86_400 },
      { id: 'login-2-once', name: 'Two days in a row, once, opt in', trigger: 'login', goal: { type: 'streak', target: 2 }, period: { type: 'streak', unit: 'day' }, rewardPoints: 5, lateEventGraceSeconds: 0, enrollment: 'opt_in', recurrence: 'once' },
    ] satisfies MissionInput[]) {
      const res = await api.call('POST', '/v1/missions', marketer, MissionInputSchema.parse(mission));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await api?.close();
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  let n = 0;
  const login = (memberId: string, at: Date) => ingestEvent(env.ctx.pool, { memberId, type: 'login', idempotencyKey: `login-${++n}`, occurredAt: at.toISOString() }, { source: 'api' });
  const attempts = async (missionId: string, memberId: string) =>
    (
      await env.ctx.pool.query<{ period_key: string; status: string; progress: number; starts_at: Date; ends_at: Date; workflow_id: string }>(
        `SELECT period_key, status, progress::int, starts_at, ends_at, workflow_id FROM mission_enrollments WHERE mission_id = $1 AND member_id = $2 ORDER BY starts_at`,
        [missionId, memberId],
      )
    ).rows;

  it("three logins on consecutive days of the member's own calendar complete it, across the member's midnight; the award is paid once", async () => {
    await login('ana', localAt(2, '12:00'));
    await until(() => attempts('login-3', 'ana'), (a) => a[0]?.progress === 1);
    await login('ana', localAt(1, '23:50'));
    await until(() => attempts('login-3', 'ana'), (a) => a[0]?.progress === 2);
    // Ten minutes later, past the member's midnight (the same day in the program's Tehran).
    await login('ana', localAt(0, '00:10'));
    const [attempt] = await until(() => attempts('login-3', 'ana'), (a) => a[0]?.status === 'completed');
    expect(attempt).toMatchObject({ status: 'completed', progress: 3, starts_at: streakPeriodStart(today() - 2, day), ends_at: streakPeriodStart(today() + 1, day) });
    expect(attempt!.period_key).toBe(`s${calendar.formatLocalDate(calendar.toLocalDate(localAt(2, '12:00'), zone))}`);
    expect(await env.ctx.temporal.workflow.getHandle(attempt!.workflow_id).result()).toEqual({ outcome: 'completed', progress: 3 });
    await until(() => env.ctx.pool.query(`SELECT granted_at FROM awards WHERE id = $1`, [attempt!.workflow_id]), (r) => r.rows[0]?.granted_at != null);
    expect((await env.ctx.pool.query(`SELECT amount FROM ledger_entries WHERE member_id = 'ana' AND source = 'mission:login-3'`)).rows).toEqual([{ amount: 50 }]);
    // Another login today is inside the completed attempt: nothing new.
    await login('ana', new Date());
    await new Promise((r) => setTimeout(r, 1500));
    expect(await attempts('login-3', 'ana')).toHaveLength(1);
    expect(await checkLedgerInvariant(env.ctx.pool, ['ana'])).toEqual([]);
  });

  it('a missed day restarts the count; a late login for the missed day, inside the grace, mends it', async () => {
    await login('bob', localAt(2, '12:00'));
    await until(() => attempts('login-3', 'bob'), (a) => a[0]?.progress === 1);
    await login('bob', localAt(0, '00:10'));
    // Yesterday has no login: the run is today alone.
    const [running] = await attempts('login-3', 'bob');
    const progress = () => env.ctx.temporal.workflow.getHandle(running!.workflow_id).query('missionProgress') as Promise<{ counted: number }>;
    expect(await until(progress, (p) => p.counted === 2)).toMatchObject({ progress: 1, counted: 2, completed: false });
    expect(await attempts('login-3', 'bob')).toMatchObject([{ status: 'active', progress: 1 }]);
    // Yesterday's login arrives late (its day ended less than the grace ago): three days in a row.
    await login('bob', localAt(1, '18:00'));
    expect(await until(() => attempts('login-3', 'bob'), (a) => a[0]?.status === 'completed')).toMatchObject([{ status: 'completed', progress: 3 }]);
  });

  it('without grace, a missed day breaks the attempt at its end and the next login starts a new one', async () => {
    await login('cyd', localAt(2, '12:00'));
    // The day after (yesterday) has ended without a login: the attempt closes at its end.
    const [broken] = await until(() => attempts('login-3-strict', 'cyd'), (a) => a[0]?.status === 'expired');
    expect(broken).toMatchObject({ status: 'expired', progress: 1, starts_at: streakPeriodStart(today() - 2, day), ends_at: streakPeriodStart(today(), day) });
    expect(await env.ctx.temporal.workflow.getHandle(broken!.workflow_id).result()).toEqual({ outcome: 'expired', progress: 1 });
    await login('cyd', localAt(0, '00:10'));
    const both = await until(() => attempts('login-3-strict', 'cyd'), (a) => a.length === 2 && a[1]!.progress === 1);
    expect(both[1]).toMatchObject({ status: 'active', progress: 1, starts_at: streakPeriodStart(today(), day), period_key: `s${calendar.formatLocalDate(calendar.toLocalDate(new Date(), zone))}` });
    // The member sees the running streak.
    const listed = await api.call('GET', '/v1/members/cyd/missions', marketer);
    const missions = listed.body.missions as { id: string; current: { status: string; progress: number; target: number } | null }[];
    expect(missions.find((m) => m.id === 'login-3-strict')?.current).toMatchObject({ status: 'active', progress: 1, target: 3 });
  });
  it('opt-in: the attempt starts today; an earlier login moves its start back; a broken attempt does not use up a once-mission', async () => {
    const joined = await api.call('POST', '/v1/missions/login-2-once/enrollments', marketer, { memberId: 'dee' });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    expect(joined.body).toMatchObject({ status: 'active', progress: 0, target: 2, startsAt: streakPeriodStart(today(), day).toISOString() });
    // A login of two days ago, arriving now, belongs to the running attempt: its start moves back; the day after had none.
    await login('dee', localAt(2, '09:00'));
    const [broken] = await until(() => attempts('login-2-once', 'dee'), (a) => a[0]?.status === 'expired');
    expect(broken).toMatchObject({ status: 'expired', progress: 1, starts_at: streakPeriodStart(today() - 2, day), ends_at: streakPeriodStart(today(), day) });
    // Today's login starts a second attempt (the first, broken, did not use the mission up).
    await login('dee', new Date());
    const both = await until(() => attempts('login-2-once', 'dee'), (a) => a.length === 2 && a[1]!.progress === 1);
    expect(both.map((a) => a.status)).toEqual(['expired', 'active']);
    expect(new Set(both.map((a) => a.workflow_id)).size).toBe(2);
  });
  it('weeks: a purchase last week and this week is a run of two; refunding last week’s takes it back to one', async () => {
    const buy = (orderId: string, at: Date) => ingestEvent(env.ctx.pool, { memberId: 'eve', type: 'purchase', amount: 500_000, orderId, occurredAt: at.toISOString() }, { source: 'api' });
    await buy('w-1', localAt(7, '12:00'));
    await until(() => attempts('buy-3-weeks', 'eve'), (a) => a[0]?.progress === 1);
    await buy('w-0', new Date());
    const [running] = await until(() => attempts('buy-3-weeks', 'eve'), (a) => a[0]?.progress === 2);
    const week: StreakCalendar = { ...day, unit: 'week', weekStartsOn: program.weekStartsOn };
    expect(running!.starts_at).toEqual(streakPeriodStart(streakPeriodIndex(localAt(7, '12:00'), week), week));
    await ingestEvent(env.ctx.pool, { memberId: 'eve', type: 'refund', amount: 500_000, orderId: 'w-1', refundId: 'r-w-1' }, { source: 'api' });
    expect(await until(() => attempts('buy-3-weeks', 'eve'), (a) => a[0]?.progress === 1)).toMatchObject([{ status: 'active', progress: 1 }]);
  });
});
