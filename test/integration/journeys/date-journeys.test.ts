import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { getJourney, loadJourneyFile, runDateJourney, runDateJourneys, saveJourney } from '../../../src/journeys/lifecycle/index.js';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import { formatDate } from '../../../src/messaging/templates/formatting.js';
import { calendar, type ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { publishExample } from '../../support/ledger-fixture.js';
import { listMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

/** Members across zones: Tehran (no DST, +3:30), New York and London (DST), the first and last zones of the day, a leap-day birthday, one without a zone. */
const MEMBERS = [
  { id: 'teh-nowruz', timeZone: 'Asia/Tehran', locale: 'fa', birthDate: '1990-03-21' },
  { id: 'teh-yalda', timeZone: 'Asia/Tehran', locale: 'fa', birthDate: '1985-12-21' },
  { id: 'ny-spring', timeZone: 'America/New_York', locale: 'en', birthDate: '1992-03-14' }, // US clocks go forward on 2027-03-14
  { id: 'ny-fall', timeZone: 'America/New_York', locale: 'en', birthDate: '1988-11-05' }, // 2028-11-05: clocks go back
  { id: 'lon-spring', timeZone: 'Europe/London', locale: 'en', birthDate: '1980-03-28' }, // 2027-03-28: UK clocks go forward
  { id: 'kiri', timeZone: 'Pacific/Kiritimati', locale: 'en', birthDate: '2000-01-01' }, // UTC+14
  { id: 'pago', timeZone: 'Pacific/Pago_Pago', locale: 'en', birthDate: '1999-12-31' }, // UTC-11
  { id: 'leap', timeZone: 'Europe/London', locale: 'en', birthDate: '1996-02-29' },
  { id: 'no-zone', timeZone: null, locale: 'fa', birthDate: '1970-06-15' },
] as const;
const START = Date.parse('2027-01-01T00:30:00Z');
const END = Date.parse('2029-01-01T00:30:00Z');
const HOUR = 3_600_000;

describe('date journeys: two simulated years of birthdays across time zones, set-based hourly sweeps', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  const roles: Role[] = [];

  beforeAll(async () => {
    // Two years of birthdays are sent within a minute of real time: caps sized for that.
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'inbox', FREQUENCY_CAPS: JSON.stringify({ bronze: { day: 100 }, silver: { day: 100 }, gold: { day: 100 }, diamond: { day: 100 } }) });
    program = await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
    for (const m of MEMBERS) {
      await upsertMember(env.ctx.pool, m.id, { email: `${m.id}.${env.id}@example.test`, firstName: 'Sara', locale: m.locale, timeZone: m.timeZone, birthDate: m.birthDate, consent: { email: { marketing: true }, inbox: { marketing: true } } }, program, 'test');
    }
    await upsertMember(env.ctx.pool, 'no-birthday', { email: `no-birthday.${env.id}@example.test` }, program, 'test');
    const { definition } = await loadJourneyFile(join(PROJECT_ROOT, 'examples/journeys/birthday.yaml'));
    await saveJourney(env.ctx.pool, 'birthday', definition, 'test');
  });

  afterAll(async () => {
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
  });

  it('one reward and one message per member per year, each on the birthday in the member\'s zone from 9:00, fa with the Persian date', { timeout: 900_000 }, async () => {
    const deps = { pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue };
    const journey = await getJourney(env.ctx.pool, 'birthday');
    const t0 = Date.now();
    let runs = 0;
    // Every hour of two years, as the hourly schedule would (the sweep itself, in-process, with an explicit asOf).
    for (let at = START; at < END; at += HOUR) {
      await runDateJourney(deps, journey, new Date(at), program.timeZone);
      runs += 1;
    }
    const elapsed = Date.now() - t0;
    // A second pass over a birthday week changes nothing.
    for (let at = Date.parse('2027-03-18T00:30:00Z'); at < Date.parse('2027-03-25T00:30:00Z'); at += HOUR) await runDateJourney(deps, journey, new Date(at), program.timeZone);

    const { rows: entries } = await env.ctx.pool.query<{ member_id: string; entry_key: string; entered_at: Date; status: string; context: { birthday: string } }>(
      `SELECT member_id, entry_key, entered_at, status, context FROM journey_entries WHERE journey_id = 'birthday' ORDER BY member_id, entry_key`,
    );
    // What a member should get: the birthdays (29 February on the 28th in other years) on which an
    // hourly run of the simulated interval fell at or after 9:00 local, on the first such run.
    const expected = (m: (typeof MEMBERS)[number]) => {
      const zone = m.timeZone ?? program.timeZone;
      const [, month, day] = m.birthDate.split('-').map(Number) as [number, number, number];
      const out: { key: string; at: number }[] = [];
      for (let year = 2026; year <= 2029; year += 1) {
        const date = month === 2 && day === 29 && year % 4 !== 0 ? { year, month: 2, day: 28 } : { year, month, day };
        for (let at = calendar.startOfLocalDate(date, zone).getTime(); at < calendar.startOfLocalDate(calendar.addDaysToLocalDate(date, 1), zone).getTime(); at += 60_000) {
          if (at < START || at >= END || (at - START) % HOUR !== 0) continue;
          if (calendar.toLocalDateTime(new Date(at), zone).hour < 9) continue;
          out.push({ key: String(year), at });
          break;
        }
      }
      return out;
    };
    for (const m of MEMBERS) {
      const mine = entries.filter((e) => e.member_id === m.id).map((e) => ({ key: e.entry_key, at: e.entered_at.getTime() }));
      expect(mine, m.id).toEqual(expected(m));
    }
    // Two birthdays each inside the two years; the edge zones also catch one on the interval's ends.
    expect(MEMBERS.every((m) => expected(m).filter((e) => e.key === '2027' || e.key === '2028').length === 2)).toBe(true);
    expect(entries.every((e) => e.status === 'completed')).toBe(true);
    const perMember = new Map<string, number>(MEMBERS.map((m) => [m.id, expected(m).length]));
    const total = [...perMember.values()].reduce((a, b) => a + b, 0);
    expect(entries).toHaveLength(total);

    // One award per member per year, granted once; the ledger holds.
    const awards = await until(
      'awards granted',
      async () => (await env.ctx.pool.query<{ member_id: string; n: number; granted: number }>(`SELECT member_id, count(*)::int AS n, count(granted_at)::int AS granted FROM awards WHERE source = 'journey:birthday' GROUP BY member_id ORDER BY member_id`)).rows,
      (rows) => rows.length === MEMBERS.length && rows.every((r) => r.granted === perMember.get(r.member_id)),
    );
    expect(awards.every((r) => r.n === perMember.get(r.member_id))).toBe(true);
    const earned = await env.ctx.pool.query<{ member_id: string; points: number }>(`SELECT member_id, sum(amount)::int AS points FROM ledger_entries WHERE source = 'journey:birthday' GROUP BY member_id`);
    expect(earned.rows.every((r) => r.points === 100 * perMember.get(r.member_id)!)).toBe(true);
    expect(await checkLedgerInvariant(env.ctx.pool, MEMBERS.map((m) => m.id))).toEqual([]);

    // One email per member per year in the mailbox (besides the welcome), none to the member without a birth date.
    const birthdayMail = async () => (await listMail(env.stack.mailboxUrl)).filter((mail) => mail.to.some((t) => t.address.endsWith(`.${env.id}@example.test`)) && /birthday|تولد/i.test(mail.subject));
    const mail = await until('birthday mail', birthdayMail, (list) => list.length >= total);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await birthdayMail()).length).toBe(total);
    for (const m of MEMBERS) expect(mail.filter((x) => x.to[0]!.address.startsWith(`${m.id}.`)), m.id).toHaveLength(perMember.get(m.id)!);
    // The Persian member reads the birthday in the Persian calendar.
    const nowruz = mail.filter((x) => x.to[0]!.address.startsWith('teh-nowruz.'));
    const entry2027 = entries.find((e) => e.member_id === 'teh-nowruz' && e.entry_key === '2027')!;
    const persian = formatDate(entry2027.context.birthday, { locale: 'fa', timeZone: 'Asia/Tehran' });
    expect(persian).toContain('فروردین');
    expect(nowruz.map((x) => x.text).join('\n')).toContain(persian);
    const inbox = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE id LIKE 'journey.birthday.%' AND channel = 'inbox'`);
    expect(inbox.rows[0]!.n).toBe(total);
    process.stderr.write(`date journeys: ${runs} hourly sweeps over two years in ${elapsed} ms (${(elapsed / runs).toFixed(2)} ms each)\n`);
  });

  it('the hourly workflow runs the sweep (recorded for replay), and an inactivity journey with a wait starts one workflow per quiet member', async () => {
    const { definition } = await loadJourneyFile(join(PROJECT_ROOT, 'examples/journeys/we-miss-you.yaml'));
    await saveJourney(env.ctx.pool, 'we-miss-you', { ...definition, steps: definition.steps.map((s) => (s.type === 'wait' ? { ...s, duration: { seconds: 2 } } : s)) }, 'test');
    // Two years after joining, everyone is quiet: the sweep enters them all, with a workflow each.
    const asOf = new Date(Date.now() + 730 * 86_400_000);
    const result = await env.ctx.temporal.workflow.execute('dateJourneysWorkflow', { workflowId: `date-journeys-test-${env.id}`, taskQueue: env.config.taskQueue, args: [{ asOf: asOf.toISOString() }] });
    // The same run rewards due referrals (none here): the history holds that activity too.
    expect(result.referrals).toEqual({ rewarded: 0, rejected: 0, expired: 0 });
    const quiet = result.journeys.find((j: { journeyId: string }) => j.journeyId === 'we-miss-you');
    expect(quiet).toMatchObject({ entered: MEMBERS.length + 1, started: MEMBERS.length + 1 });
    const entries = await env.ctx.pool.query<{ workflow_id: string }>(`SELECT workflow_id FROM journey_entries WHERE journey_id = 'we-miss-you'`);
    for (const { workflow_id } of entries.rows) expect(await env.ctx.temporal.workflow.getHandle(workflow_id).result()).toMatchObject({ outcome: 'completed', steps: 4 });
    // The same instant again: nobody enters twice.
    expect((await runDateJourneys({ pool: env.ctx.pool, temporal: env.ctx.temporal, taskQueue: env.config.taskQueue }, asOf)).find((j) => j.journeyId === 'we-miss-you')).toMatchObject({ entered: 0, started: 0 });
    if (process.env.RECORD_HISTORIES === '1') {
      const handle = env.ctx.temporal.workflow.getHandle(`date-journeys-test-${env.id}`);
      // date-journeys.json stays the history recorded before the referral rewards (patched).
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'date-journeys-referrals.json'), historyJson(await handle.fetchHistory()));
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'journey-inactive.json'), historyJson(await env.ctx.temporal.workflow.getHandle(entries.rows[0]!.workflow_id).fetchHistory()));
    }
  });
});
