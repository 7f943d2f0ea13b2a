import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch } from '../../../src/ledger/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

const MEMBERS = 1000;

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe(`a journey definition changed while ${MEMBERS} members are mid-journey`, () => {
  let env: TestEnv;
  let api: Api;
  let marketer: string;
  const roles: Role[] = [];

  beforeAll(async () => {
    // A journeys worker that keeps every waiting entry cached (a deployment with this many entries
    // waiting at once sizes JOURNEYS_MAX_CACHED_WORKFLOWS the same way), so a signal replays nothing.
    env = await createTestEnv({ JOURNEYS_MAX_CACHED_WORKFLOWS: String(MEMBERS + 100), QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'inbox', FREQUENCY_CAPS: JSON.stringify({ bronze: { day: 100 }, silver: { day: 100 }, gold: { day: 100 }, diamond: { day: 100 } }) });
    // Reviews and profiles earn nothing here: no points messages beside the journey's own.
    const program = await publishVariant(env, (p) => {
      p.earningRules = p.earningRules.filter((r) => r.trigger !== 'review' && r.trigger !== 'profile_completed');
    });
    // Members straight into the table (this test is about the journey, not member creation).
    await env.ctx.pool.query(
      `WITH m AS (
         INSERT INTO members (id, tier_id, consent)
         SELECT 'dc' || lpad(i::text, 4, '0'), $1, '{"inbox": {"marketing": true}}'::jsonb FROM generate_series(1, $2) i
         RETURNING id)
       INSERT INTO member_balances (member_id, next_review_at) SELECT id, now() + interval '1 year' FROM m`,
      [program.tiers[0]!.id, MEMBERS],
    );
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

  const ids = Array.from({ length: MEMBERS }, (_, i) => `dc${String(i + 1).padStart(4, '0')}`);
  const inbox = { channels: ['inbox'] };

  it('none fails, none is messaged twice, and each follows the new version from the step it was at', { timeout: 600_000 }, async () => {
    const v1 = {
      name: 'Series',
      trigger: { type: 'event', eventType: 'review' },
      steps: [
        { id: 'hello', type: 'send', message: 'bonus_points', ...inbox, vars: { bonusPoints: 1 } },
        { id: 'until-profile', type: 'wait_for_event', eventType: 'profile_completed', timeout: { minutes: 30 } },
        { id: 'nudge', type: 'send', message: 'first_purchase_nudge', ...inbox },
        { id: 'pause', type: 'wait', duration: { seconds: 3 } },
        { id: 'how-to', type: 'send', message: 'welcome_how_to_earn', ...inbox },
      ],
    };
    expect((await api.call('PUT', '/v1/journeys/series', marketer, v1)).status).toBe(201);
    const t0 = Date.now();
    await ingestBatch(env.ctx.pool, ids.map((memberId) => ({ memberId, type: 'review', idempotencyKey: `review-${memberId}` })), { source: 'api' });
    const waiting = async () => {
      const n = (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_entries WHERE journey_id = 'series' AND current_step = 'until-profile'`)).rows[0]!.n;
      if (process.env.LAUREL_TEST_PROGRESS) {
        const e = (await env.ctx.pool.query<{ n: number; s: number }>(`SELECT count(*)::int AS n, count(workflow_started_at)::int AS s FROM journey_entries WHERE journey_id = 'series'`)).rows[0]!;
        process.stderr.write(`waiting: ${n} (entries ${e.n}, started ${e.s}) after ${Date.now() - t0} ms\n`);
      }
      return n;
    };
    await until('every member waiting for their profile', waiting, (n) => n === MEMBERS);
    const entered = Date.now() - t0;

    // v2 while all are waiting: a step inserted after the wait, the wait after the nudge shortened,
    // the last step replaced by another (its message is the one v2's inserted step sends).
    const v2 = {
      ...v1,
      steps: [
        v1.steps[0],
        v1.steps[1],
        { id: 'how-to-early', type: 'send', message: 'welcome_how_to_earn', ...inbox },
        v1.steps[2],
        { id: 'pause', type: 'wait', duration: { seconds: 1 } },
        { id: 'thanks', type: 'send', message: 'first_purchase_thanks', ...inbox },
      ],
    };
    expect((await api.call('PUT', '/v1/journeys/series', marketer, v2)).body).toMatchObject({ version: 2 });
    const t1 = Date.now();
    await ingestBatch(env.ctx.pool, ids.map((memberId) => ({ memberId, type: 'profile_completed', idempotencyKey: `profile-${memberId}` })), { source: 'api' });
    const statuses = async () => {
      const rows = (await env.ctx.pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM journey_entries WHERE journey_id = 'series' GROUP BY status`)).rows;
      if (process.env.LAUREL_TEST_PROGRESS) process.stderr.write(`statuses: ${JSON.stringify(rows)} after ${Date.now() - t1} ms\n`);
      return rows;
    };
    const done = await until('every entry finished', statuses, (rows) => rows.length > 0 && !rows.some((r) => r.status === 'active'));
    const finished = Date.now() - t1;
    expect(done).toEqual([{ status: 'completed', n: MEMBERS }]);

    // None failed: every workflow completed (none failed, timed out or terminated). The last step's
    // activity marks the entry completed just before its workflow closes, and Temporal's visibility
    // follows a moment later: wait until none is running, then ask how they ended.
    const journeys = `WorkflowType = 'journeyWorkflow' AND TaskQueue = '${env.config.taskQueue}'`;
    await until('every journey workflow closed', async () => (await env.ctx.temporal.workflow.count(`${journeys} AND ExecutionStatus = 'Running'`)).count, (n) => n === 0);
    const failed = await env.ctx.temporal.workflow.count(`${journeys} AND ExecutionStatus != 'Completed'`);
    expect(failed.count).toBe(0);

    // Each member: the v2 path from where they were, every step once, no message kind twice.
    const paths = await env.ctx.pool.query<{ path: string; n: number }>(
      `SELECT path, count(*)::int AS n FROM (
         SELECT string_agg(step_id, ',' ORDER BY at, step_id) AS path FROM journey_steps WHERE journey_id = 'series' GROUP BY workflow_id) p
        GROUP BY path`,
    );
    expect(paths.rows).toEqual([{ path: 'hello,until-profile,how-to-early,nudge,pause,thanks', n: MEMBERS }]);
    const messages = await env.ctx.pool.query<{ kind: string; members: number; sent: number }>(
      `SELECT kind, count(DISTINCT member_id)::int AS members, count(*)::int AS sent FROM messages WHERE id LIKE 'journey.series.%' GROUP BY kind ORDER BY kind`,
    );
    expect(messages.rows).toEqual(
      ['bonus_points', 'first_purchase_nudge', 'first_purchase_thanks', 'welcome_how_to_earn'].map((kind) => ({ kind, members: MEMBERS, sent: MEMBERS })),
    );
    const twice = await env.ctx.pool.query(`SELECT member_id, kind FROM messages WHERE id LIKE 'journey.series.%' GROUP BY member_id, kind HAVING count(*) > 1`);
    expect(twice.rows).toEqual([]);
    // And delivered once each: one inbox item per message.
    const delivered = async () => (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_items WHERE message_id LIKE 'journey.series.%'`)).rows[0]!.n;
    expect(await until('all delivered', delivered, (n) => n >= 4 * MEMBERS)).toBe(4 * MEMBERS);
    const entries = await env.ctx.pool.query<{ version: number; n: number }>(`SELECT version, count(*)::int AS n FROM journey_entries WHERE journey_id = 'series' GROUP BY version`);
    expect(entries.rows).toEqual([{ version: 1, n: MEMBERS }]);
    process.stderr.write(`journey definition change: ${MEMBERS} entries in ${entered} ms, all finished ${finished} ms after the change\n`);
  });
});
