import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberFact } from '../../../src/facts/index.js';
import { listDeliveries, recordFact, upsertSubscription, WebhookDelivery } from '../../../src/webhooks/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

// A delivery's claim (status sending, attempts + 1) and its attempt row are written together: a
// sender that dies between them must not leave a delivery counting an attempt its history lacks
// (the SIGKILL test in webhooks.test.ts found one: attempts 2, no attempt 1 to mark interrupted).
describe('webhook delivery claims', () => {
  let env: TestEnv;
  const receiver = new WebhookReceiver();
  let url: string;

  beforeAll(async () => {
    env = await createTestEnv();
    url = await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await env?.cleanup();
  });

  const state = async (id: string) => {
    const d = await env.ctx.pool.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM webhook_deliveries WHERE id = $1`, [id]);
    const a = await env.ctx.pool.query<{ attempt: number; status_code: number | null; error: string | null }>(
      `SELECT attempt, status_code, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [id],
    );
    return { ...d.rows[0]!, history: a.rows };
  };

  it('a claim whose attempt row cannot be written is not taken; the next one sends attempt 1; a dead sender’s attempt is marked interrupted', async () => {
    await upsertSubscription(env.ctx.pool, 'claims', { url, eventTypes: ['member.created'], status: 'active' }, 'test');
    await recordFact(env.ctx.pool, memberFact('member.created', 'member.created.c1', 'c1', new Date(Date.now() - 60_000), { tierId: 'bronze' }));
    const [delivery] = (await listDeliveries(env.ctx.pool, 'claims', { limit: 10 })).deliveries;
    const sender = new WebhookDelivery(env.ctx.pool, { attempts: 5, timeoutMs: 5_000, orderWindowMs: 0 });

    // The attempt row's write fails (as if the process died right there): nothing of the claim stays.
    await env.ctx.pool.query(`CREATE FUNCTION refuse_attempt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no attempt rows'; END $$`);
    await env.ctx.pool.query(`CREATE TRIGGER refuse_attempt BEFORE INSERT ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION refuse_attempt()`);
    try {
      await expect(sender.deliver(delivery!.id)).rejects.toThrow(/no attempt rows/);
    } finally {
      await env.ctx.pool.query(`DROP TRIGGER refuse_attempt ON webhook_attempts; DROP FUNCTION refuse_attempt()`);
    }
    expect(await state(delivery!.id)).toEqual({ status: 'pending', attempts: 0, history: [] });
    expect(receiver.received).toHaveLength(0);

    // A sender that died after its claim and before the answer: the next attempt is 2 and says so.
    await env.ctx.pool.query(`UPDATE webhook_deliveries SET status = 'sending', attempts = 1 WHERE id = $1`, [delivery!.id]);
    await env.ctx.pool.query(`INSERT INTO webhook_attempts (delivery_id, attempt, started_at) VALUES ($1, 1, now())`, [delivery!.id]);
    expect(await sender.deliver(delivery!.id)).toEqual({ status: 'succeeded', attempts: 2 });
    const after = await state(delivery!.id);
    expect(after).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(after.history).toEqual([
      { attempt: 1, status_code: null, error: expect.stringMatching(/^interrupted/) },
      { attempt: 2, status_code: 200, error: null },
    ]);
    expect(receiver.received).toHaveLength(1);
  });
});
