import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../../src/db/index.js';
import { requestWelcome } from '../../../src/messaging/index.js';
import { addToOutbox } from '../../../src/outbox/index.js';
import { findTier } from '../../../src/program/index.js';
import { currentProgram } from '../../../src/program/store.js';
import { startWorkerRole, type Role } from '../../../src/roles/index.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishReferenceProgram, seedMembers, waitFor } from './support/fixtures.js';

const BATCH_SECONDS = 3;

describe('automatic transactional messages from ledger facts (worker role: outbox relay → fan-out → delivery)', () => {
  let env: TestEnv;
  let worker: Role;
  let programVersion: number;
  const address = (local: string) => `${local}@${env.id}-n.test`;

  beforeAll(async () => {
    env = await createTestEnv({ POINTS_EARNED_BATCH_SECONDS: String(BATCH_SECONDS), QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email,inbox' });
    await publishReferenceProgram(env.ctx.pool);
    programVersion = (await env.ctx.pool.query<{ v: number }>(`SELECT max(version)::int AS v FROM program_versions`)).rows[0]!.v;
    await seedMembers(env.ctx.pool, [
      { id: 'earner', email: `earner@${env.id}-n.test`, tier: 'silver' },
      { id: 'climber', email: `climber@${env.id}-n.test`, tier: 'gold', locale: 'fa', timeZone: 'Asia/Tehran' },
      { id: 'faller', email: `faller@${env.id}-n.test`, tier: 'gold' },
      { id: 'newbie', email: `newbie@${env.id}-n.test`, tier: 'bronze' },
    ]);
    worker = await startWorkerRole(env.ctx);
  });

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  /** What the ledger writes for an ingested event: the event, its earn entry and a member-events outbox row. */
  async function ingest(eventId: string, memberId: string, points: number): Promise<void> {
    await withTransaction(env.ctx.pool, async (client) => {
      await client.query(
        `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, program_version, result) VALUES ($1, $1, $2, 'purchase', now(), $3, $4)`,
        [eventId, memberId, programVersion, JSON.stringify({ points })],
      );
      await client.query(`INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, at, event_id) VALUES ($1, $2, 'earn', $3, now(), $1)`, [eventId, memberId, points]);
      await client.query(`UPDATE member_balances SET available = available + $2 WHERE member_id = $1`, [memberId, points]);
      await addToOutbox(client, [{ queue: 'member-events', name: 'member-event', jobId: `event.${eventId}`, payload: { eventId, memberId } }]);
    });
  }

  it('a burst of earning events is one points_earned message per channel with the sum of the window', async () => {
    // Start the burst just after a window opens so all three events share it.
    const size = BATCH_SECONDS * 1000;
    await new Promise((r) => setTimeout(r, size - (Date.now() % size) + 50));
    await ingest('ev-1', 'earner', 100);
    await ingest('ev-2', 'earner', 250);
    await ingest('ev-3', 'earner', 1000);
    const mails = await waitForMail(env.stack.mailboxUrl, address('earner'), 1, 30_000);
    await new Promise((r) => setTimeout(r, 1500)); // room for a wrong second message to show up
    const all = await waitForMail(env.stack.mailboxUrl, address('earner'), 2, 200);
    expect(all).toHaveLength(1);
    expect(mails[0]!.text).toContain('1,350');
    const { rows } = await env.ctx.pool.query(`SELECT id, channel, status FROM messages WHERE member_id = 'earner' ORDER BY channel`);
    expect(rows.map((r) => [r.channel, r.status])).toEqual([
      ['email', 'sent'],
      ['inbox', 'sent'],
    ]);
    expect(rows[0].id).toMatch(/^points_earned\.\d+\.email\.earner$/);
    const inbox = await env.ctx.pool.query(`SELECT title FROM inbox_items WHERE member_id = 'earner'`);
    expect(inbox.rows).toHaveLength(1);
    expect(inbox.rows[0].title).toContain('1,350');
  });

  it('an event that earned nothing sends nothing', async () => {
    await withTransaction(env.ctx.pool, async (client) => {
      await client.query(`INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, program_version, result) VALUES ('ev-0', 'ev-0', 'newbie', 'login', now(), $1, '{}')`, [programVersion]);
      await addToOutbox(client, [{ queue: 'member-events', name: 'member-event', jobId: 'event.ev-0', payload: { eventId: 'ev-0', memberId: 'newbie' } }]);
    });
    await waitFor('the fan-out job', async () => (await env.ctx.pool.query(`SELECT 1 FROM outbox WHERE job_id = 'event.ev-0' AND relayed_at IS NOT NULL`)).rowCount === 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await env.ctx.pool.query(`SELECT 1 FROM messages WHERE kind = 'points_earned' AND member_id = 'newbie'`)).rowCount).toBe(0);
  });

  it('tier_changes rows become tier_upgraded / tier_downgraded messages, one per row and channel', async () => {
    // faller earned 1,234 qualifying points in the window judged at the next review: the downgrade
    // message quotes what is still missing, not the whole diamond threshold.
    await env.ctx.pool.query(
      `INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, at) VALUES ('faller-earn', 'faller', 'earn', 1234, 1234, now() - interval '1 minute')`,
    );
    await env.ctx.pool.query(`UPDATE member_balances SET available = available + 1234 WHERE member_id = 'faller'`);
    const program = (await currentProgram(env.ctx.pool)).definition;
    const diamond = findTier(program, 'diamond').threshold as number;
    await env.ctx.pool.query(
      `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at) VALUES ('climber', 'silver', 'gold', 'qualified', now()), ('faller', 'diamond', 'gold', 'review', now())`,
    );
    const [up] = await waitForMail(env.stack.mailboxUrl, address('climber'), 1, 30_000);
    const [down] = await waitForMail(env.stack.mailboxUrl, address('faller'), 1, 30_000);
    expect(up!.html).toContain('dir="rtl"'); // climber reads Persian: the gold fa variant
    const { rows } = await env.ctx.pool.query(`SELECT kind, template_key, status FROM messages WHERE id LIKE 'tier_change.%' AND channel = 'email' ORDER BY kind`);
    expect(rows).toEqual([
      { kind: 'tier_downgraded', template_key: 'tier_downgraded/email.gold.hbs', status: 'sent' },
      { kind: 'tier_upgraded', template_key: 'tier_upgraded/email.gold.fa.hbs', status: 'sent' },
    ]);
    expect(down!.subject.length).toBeGreaterThan(0);
    const vars = await env.ctx.pool.query<{ vars: { pointsToRegain: number } }>(`SELECT vars FROM messages WHERE kind = 'tier_downgraded' AND channel = 'email'`);
    expect(vars.rows[0]!.vars.pointsToRegain).toBe(diamond - 1234);
    expect(down!.text).toContain((diamond - 1234).toLocaleString('en'));
    await new Promise((r) => setTimeout(r, 2500)); // another notifier sweep rescans the rows
    expect((await env.ctx.pool.query(`SELECT 1 FROM messages WHERE id LIKE 'tier_change.%'`)).rowCount).toBe(4);
    expect(await waitForMail(env.stack.mailboxUrl, address('climber'), 2, 200)).toHaveLength(1);
  });

  it('welcome: requested in the member-creation transaction, delivered through the outbox', async () => {
    await withTransaction(env.ctx.pool, (client) => requestWelcome(client, { memberId: 'newbie', programName: 'Laurel Rewards', balance: 50, welcomeBonus: 50 }));
    const [mail] = await waitForMail(env.stack.mailboxUrl, address('newbie'), 1, 30_000);
    expect(mail!.text).toContain('Laurel Rewards');
    // Requesting it again (a retried transaction) adds nothing.
    await withTransaction(env.ctx.pool, (client) => requestWelcome(client, { memberId: 'newbie', programName: 'Laurel Rewards', balance: 50 }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await waitForMail(env.stack.mailboxUrl, address('newbie'), 2, 200)).toHaveLength(1);
  });
});
