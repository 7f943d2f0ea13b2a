import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContestInputSchema, createContest, createContestFanoutHandler, topOfLeaderboard, leaderboardKey } from '../../../src/journeys/contests/index.js';
import { Queue } from 'bullmq';
import { ingestEvent } from '../../../src/ledger/index.js';
import { OutboxRelay } from '../../../src/outbox/index.js';
import { QUEUES } from '../../../src/queues/index.js';
import { createLogger } from '../../../src/log/index.js';
import { upsertMember } from '../../../src/members/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

/**
 * Member events are fanned out concurrently, so a refund's job can run before its purchase's.
 * The refund must then wait (fail and be retried) rather than decide it takes nothing back —
 * which left the purchase's points on the board for good.
 */
describe('contest fan-out: a refund handled before its purchase', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
    const program = await publishExample(env, 'reference');
    await upsertMember(env.ctx.pool, 'cem', {}, program, 'test');
  });
  afterAll(async () => env?.cleanup());

  it('is retried after the purchase is counted, and then takes its share back', async () => {
    const t0 = Date.now();
    const contest = await createContest(
      env.ctx.pool,
      ContestInputSchema.parse({
        id: 'order-race',
        name: 'race',
        startsAt: new Date(t0 - 60_000).toISOString(),
        endsAt: new Date(t0 + 3_600_000).toISOString(),
        metric: { type: 'points_earned' },
        prizes: [{ rank: 1, name: 'x', points: 1 }],
        prizeBudget: 1,
      }),
      'test',
    );
    const at = new Date(t0 - 1000).toISOString();
    const purchase = await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'purchase', amount: 300_000, orderId: 'c1', occurredAt: at }, { source: 'api' });
    const refund = await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'refund', amount: 100_000, orderId: 'c1', refundId: 'r1', occurredAt: at }, { source: 'api' });
    const handler = createContestFanoutHandler({ pool: env.ctx.pool, redis: env.ctx.redis, prefix: env.id });

    await expect(handler.handle({ eventId: refund.eventId, memberId: 'cem' })).rejects.toThrow(/not counted yet/);
    await handler.handle({ eventId: purchase.eventId, memberId: 'cem' });
    await handler.handle({ eventId: refund.eventId, memberId: 'cem' });
    await handler.handle({ eventId: refund.eventId, memberId: 'cem' }); // a retry changes nothing

    const board = await topOfLeaderboard(env.ctx.redis, leaderboardKey(env.id, contest.id), 10);
    expect(board.map((e) => [e.memberId, e.score])).toEqual([['cem', 20]]);
  });

  it('relays member events as jobs that are retried with backoff', async () => {
    const event = await ingestEvent(env.ctx.pool, { memberId: 'cem', type: 'purchase', amount: 100_000, orderId: 'c2' }, { source: 'api' });
    const relay = new OutboxRelay(env.ctx.pool, env.ctx.redis, env.id, createLogger('silent'));
    await relay.relayOnce();
    const queue = new Queue(QUEUES.memberEvents, { connection: env.ctx.redis, prefix: env.id });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
      const job = jobs.find((j) => j.data.eventId === event.eventId);
      expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay: 500 } });
    } finally {
      await queue.close();
      await relay.stop();
    }
  });
});
