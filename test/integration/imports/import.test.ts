import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant } from '../../../src/ledger/index.js';
import { laurel } from '../../support/cli.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

const DAY = 86_400_000;
const EVENTS = 10_000;
const MEMBERS = 500;

/**
 * Bulk import from files (`laurel import`, and the API upload): streamed in chunks, idempotent (a
 * second run changes nothing), historic (no messages, no fan-out), bad lines reported by line
 * number and skipped only when asked. The 1,000,000-event run is `npm run bench:ingest`.
 */
describe('bulk import of members and historic events', () => {
  let env: TestEnv;
  let dir: string;
  let api: Api;
  let admin: string;
  // An import is long work: on a loaded CI machine one run of the events file can take a minute.
  const run = (args: string[]) => laurel(['import', ...args], { DATABASE_URL: env.urls.databaseUrl, LOG_LEVEL: 'warn' }, 240_000);

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    dir = mkdtempSync(join(tmpdir(), 'laurel-import-test-'));
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const counts = async () =>
    (
      await env.ctx.pool.query(
        `SELECT (SELECT count(*) FROM members)::int AS members, (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM ledger_entries)::int AS entries,
                (SELECT count(*) FROM lots)::int AS lots, (SELECT coalesce(sum(available + pending), 0) FROM member_balances)::int AS points,
                (SELECT count(*) FROM outbox)::int AS outbox, (SELECT count(*) FROM messages)::int AS messages, (SELECT max(updated_at) FROM members) AS updated`,
      )
    ).rows[0];

  it('members from CSV: created without a welcome; a second run changes nothing; a changed line updates only that member', async () => {
    const lines = ['id,email,firstName,locale,timeZone,joinedAt,attributes.city,consent.email.marketing'];
    for (let i = 0; i < MEMBERS; i++) lines.push(`m${i},m${i}@example.test,"Name, ${i}",fa,Asia/Tehran,${new Date(Date.now() - 900 * DAY).toISOString()},Tehran,${i % 2 === 0}`);
    const file = join(dir, 'members.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const first = await run(['members', file]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'members', lines: MEMBERS, imported: MEMBERS, unchanged: 0, badCount: 0 });
    const member = await env.ctx.pool.query(`SELECT first_name, locale, time_zone, attributes, consent, tier_id FROM members WHERE id = 'm2'`);
    expect(member.rows[0]).toEqual({ first_name: 'Name, 2', locale: 'fa', time_zone: 'Asia/Tehran', attributes: { city: 'Tehran' }, consent: { email: { marketing: true } }, tier_id: 'bronze' });
    const before = await counts();
    expect(before.messages).toBe(0);

    const second = await run(['members', file]);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 0, unchanged: MEMBERS });
    expect(await counts()).toEqual(before);

    lines[3] = lines[3]!.replace('"Name, 2"', 'Renamed');
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(JSON.parse((await run(['members', file])).stdout)).toMatchObject({ imported: 1, unchanged: MEMBERS - 1 });
  });

  it(`${EVENTS.toLocaleString('en-US')} historic events from NDJSON: progress and peak RSS printed, nothing announced, a second run changes nothing`, async () => {
    const file = join(dir, 'events.ndjson');
    const out: string[] = [];
    const start = Date.now() - 200 * DAY;
    for (let i = 0; i < EVENTS; i++) {
      const memberId = `m${i % MEMBERS}`;
      const occurredAt = new Date(start + i * 1000).toISOString();
      if (i % 10 === 9) out.push(JSON.stringify({ memberId, type: 'review', occurredAt }));
      else if (i % 10 === 8) out.push(JSON.stringify({ memberId: `m${(i - 1) % MEMBERS}`, type: 'refund', orderId: `o${i - 1}`, refundId: 'r', amount: 100_000, occurredAt }));
      else out.push(JSON.stringify({ memberId, type: 'purchase', orderId: `o${i}`, amount: 300_000 + (i % 7) * 100_000, occurredAt }));
    }
    writeFileSync(file, `${out.join('\n')}\n`);
    const before = await counts();
    const first = await run(['events', file]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'events', lines: EVENTS, imported: EVENTS, unchanged: 0, badCount: 0 });
    expect(first.stderr).toMatch(/import events \[#+\.*\] +\d+%/);
    const rss = Number(/peak RSS (\d+) MB/.exec(first.stderr)?.[1]);
    console.log(`import of ${EVENTS} events: peak RSS ${rss} MB`);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(400);

    const after = await counts();
    expect(after.events - before.events).toBe(EVENTS);
    // Historic: no member-event jobs (no missions, contests or messages follow), no messages.
    expect(after.outbox).toBe(before.outbox);
    expect(after.messages).toBe(before.messages);
    const tiers = await env.ctx.pool.query(`SELECT DISTINCT reason FROM tier_changes`);
    expect(tiers.rows.map((r) => r.reason)).toEqual(['historic_upgrade']);
    expect(await checkLedgerInvariant(env.ctx.pool)).toEqual([]);

    const second = await run(['events', file]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 0, unchanged: EVENTS, badCount: 0 });
    expect(await counts()).toEqual(after);
  }, 600_000);

  it('bad lines are reported with their line numbers; the rest is imported only with --skip-bad', async () => {
    const at = new Date(Date.now() - 10 * DAY).toISOString();
    const lines = [
      JSON.stringify({ memberId: 'm1', type: 'purchase', orderId: 'b1', amount: 500_000, occurredAt: at }),
      '{not json',
      JSON.stringify({ memberId: 'm1', type: 'purchase', orderId: 'b2', amount: 'lots', occurredAt: at }),
      JSON.stringify({ memberId: 'nobody', type: 'purchase', orderId: 'b3', amount: 500_000, occurredAt: at }),
      '',
      JSON.stringify({ memberId: 'm1', type: 'purchase', orderId: 'b4', amount: 500_000 }),
      JSON.stringify({ memberId: 'm1', type: 'purchase', orderId: 'b5', amount: 700_000, occurredAt: at }),
    ];
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const before = await counts();
    const errors = join(dir, 'bad-lines.ndjson');
    const strict = await run(['events', file, '--errors', errors]);
    expect(strict.code).toBe(1);
    for (const [line, code] of [
      [2, 'unreadable_line'],
      [3, 'invalid_event'],
      [4, 'unknown_member'],
      [6, 'occurred_at_required'],
    ] as const) {
      expect(strict.stderr).toContain(`line ${line}: ${code}: `);
    }
    expect(strict.stderr).toMatch(/nothing imported/);
    expect(await counts()).toEqual(before);

    const lenient = await run(['events', file, '--skip-bad']);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(JSON.parse(lenient.stdout)).toMatchObject({ lines: 6, imported: 2, badCount: 4 });
    expect((await counts()).events).toBe(before.events + 2);
  });

  it('the API upload takes CSV and answers with the report; bad lines make it 422 without skipBad', async () => {
    const at = new Date(Date.now() - 5 * DAY).toISOString();
    const csv = ['memberId,type,orderId,amount,occurredAt,properties.channel', `m3,purchase,api1,400000,${at},web`, `m3,purchase,api2,oops,${at},web`, `m4,purchase,api3,900000,${at},store`].join('\n');
    const call = (query: string) =>
      api.app.inject({ method: 'POST', url: `/v1/imports/events${query}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: csv });
    const strict = await call('');
    expect(strict.statusCode).toBe(422);
    expect(strict.json()).toMatchObject({ code: 'import_has_bad_lines', badCount: 1, bad: [{ line: 3, code: 'invalid_event' }] });
    const ok = await call('?skipBad=true');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ kind: 'events', lines: 3, imported: 2, badCount: 1 });
    const stored = await env.ctx.pool.query(`SELECT properties FROM events WHERE order_id = 'api3'`);
    expect(stored.rows[0].properties).toEqual({ channel: 'store' });
    const again = await call('?skipBad=true');
    expect(again.json()).toMatchObject({ imported: 0, unchanged: 2 });
  });

  it('a CSV whose header line lacks a needed column is refused before any line, through the API and the CLI, and nothing is written', async () => {
    const before = await counts();
    const at = new Date(Date.now() - 5 * DAY).toISOString();
    // The header line forgotten: the first purchase is read as the header.
    const headless = [`m3,purchase,nohead1,400000,${at}`, `m3,purchase,nohead2,500000,${at}`].join('\n');
    for (const query of ['', '?skipBad=true']) {
      const res = await api.app.inject({ method: 'POST', url: `/v1/imports/events${query}`, headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: headless });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'import_header_incomplete', missing: ['memberId', 'type'] });
    }
    // A header-only file that would have been "imported" with 0 lines.
    const onlyHeader = await api.app.inject({ method: 'POST', url: '/v1/imports/events', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, payload: 'member,kind\n' });
    expect(onlyHeader.json()).toMatchObject({ code: 'import_header_incomplete' });
    const file = join(dir, 'headless-members.csv');
    writeFileSync(file, 'm900,m900@example.test\n');
    const cli = await run(['members', file]);
    expect(cli.code).toBe(1);
    // After the progress line, one line naming the problem.
    expect(cli.stderr.trim().split(/[\r\n]+/).at(-1)).toBe("laurel: the header line has no id column: a CSV's first line names its columns, e.g. id");
    expect(await counts()).toEqual(before);
  });
});
