import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerInvariant, requestAwardNow } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import { startWorkerRole, type Role } from '../../../src/roles/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('award queue: outbox → BullMQ → ledger, exactly once', () => {
  let env: TestEnv;
  let worker: Role;
  beforeAll(async () => {
    env = await createTestEnv();
    const program = await publishExample(env, 'reference');
    await upsertMember(env.ctx.pool, 'winner', {}, program, 'test');
    worker = await startWorkerRole(env.ctx);
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('an award requested three times is granted once, with its source', async () => {
    const award = { id: 'mission:m1:winner:2026-11', memberId: 'winner', points: 20, source: 'mission:m1', reason: '3 purchases in November' };
    await Promise.all([requestAwardNow(env.ctx.pool, award), requestAwardNow(env.ctx.pool, award), requestAwardNow(env.ctx.pool, award)]);
    const granted = await until(
      () => env.ctx.pool.query(`SELECT granted_at FROM awards WHERE id = $1`, [award.id]),
      (r) => r.rows[0]?.granted_at !== null,
    );
    expect(granted.rows[0].granted_at).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await env.ctx.pool.query(`SELECT kind, amount, source, reason FROM ledger_entries WHERE member_id = 'winner'`);
    expect(rows).toEqual([{ kind: 'earn', amount: 20, source: 'mission:m1', reason: '3 purchases in November' }]);
    expect(await checkLedgerInvariant(env.ctx.pool, ['winner'])).toEqual([]);
  });
});
