import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberFact } from '../../../src/facts/index.js';
import { listDeliveries, recordFact, replayDeliveries, upsertSubscription } from '../../../src/webhooks/index.js';
import { parseKeysetCursor } from '../../../src/api/schemas/common.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

describe('webhook delivery pages', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('page through every delivery once, also deliveries made in one statement (one instant)', async () => {
    await upsertSubscription(env.ctx.pool, 'pages', { url: 'http://127.0.0.1:9/hook', eventTypes: ['member.created'], status: 'paused' }, 'test');
    for (let i = 0; i < 4; i++) await recordFact(env.ctx.pool, memberFact('member.created', `member.created.p${i}`, `p${i}`, new Date(), { tierId: 'bronze' }));
    const originals = (await listDeliveries(env.ctx.pool, 'pages', { limit: 100 })).deliveries.map((d) => d.id);
    expect(originals).toHaveLength(4);
    // One replay of all four: four deliveries written by one statement, at one instant.
    const replays = await replayDeliveries(env.ctx.pool, 'pages', originals, 'test');
    expect(replays).toHaveLength(4);

    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let before: { at: Date; id: string } | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await listDeliveries(env.ctx.pool, 'pages', { limit, before });
        seen.push(...page.deliveries.map((d) => d.id));
        if (!page.next) break;
        before = parseKeysetCursor(page.next);
      }
      expect(seen.length, `limit ${limit}`).toBe(8);
      expect(new Set(seen).size, `limit ${limit}`).toBe(8);
    }
  });
});
