import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApiKey } from '../../../src/auth/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { publishExample } from '../../support/ledger-fixture.js';
import { laurel } from '../../support/cli.js';

describe('laurel admin commands against a real database', () => {
  let env: TestEnv;
  let dbEnv: NodeJS.ProcessEnv;
  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    dbEnv = { DATABASE_URL: env.urls.databaseUrl };
  });
  afterAll(async () => env?.cleanup());

  it('keys create prints a working key once; only its hash is stored', async () => {
    const r = await laurel(['keys', 'create', '--role', 'marketer', '--name', 'crm'], dbEnv);
    expect(r.code).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^lk_[A-Za-z0-9_-]{32}$/);
    expect(r.stderr).toMatch(/created marketer key key_[0-9a-f]+ \(crm\)/);
    expect(await findApiKey(env.ctx.pool, key)).toMatchObject({ role: 'marketer', name: 'crm' });
    const stored = await env.ctx.pool.query(`SELECT key_hash FROM api_keys WHERE name = 'crm'`);
    expect(stored.rows[0].key_hash).not.toContain(key);
  });

  it('a bad role is one line, exit 1; a partner key needs its partner', async () => {
    const bad = await laurel(['keys', 'create', '--role', 'root'], dbEnv);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('laurel: role must be one of admin, marketer, ingest, partner');
    const partner = await laurel(['keys', 'create', '--role', 'partner'], dbEnv);
    expect(partner.stderr.trim()).toBe('laurel: a partner key needs --partner <id>');
  });

  it('tiers review and points expire run set-based and print their counts', async () => {
    const review = await laurel(['tiers', 'review', '--as-of', '2030-01-01'], dbEnv);
    expect(review.code).toBe(0);
    expect(JSON.parse(review.stdout)).toMatchObject({ reviewed: 0 });
    const expire = await laurel(['points', 'expire', '--as-of', '2030-01-01T00:00:00Z'], dbEnv);
    expect(JSON.parse(expire.stdout)).toEqual({ activated: { lots: 0, points: 0 }, overdueRedemptionsCancelled: 0, expired: { expiredPoints: 0, expiredLots: 0, members: 0 } });
    const badDate = await laurel(['points', 'expire', '--as-of', 'yesterday'], dbEnv);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/expected an ISO date/);
  });

  it('program load validates the file and names the bad field', async () => {
    const ok = await laurel(['program', 'load', 'examples/hotel.yaml'], dbEnv);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/stored as version 2/);
    const missing = await laurel(['program', 'load', 'examples/nope.yaml'], dbEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
