import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../../src/db/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

/**
 * PostgreSQL restarting ends every backend, including those of clients the pool has lent out.
 * pg emits 'error' on such a client and pg-pool listens only while it is idle: without a listener
 * of our own the process ends with an unhandled 'error' (the chaos run's worker did).
 */
describe('pool: a lent-out client whose backend ends', () => {
  let env: TestEnv;
  let pool: Pool;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    env = await createTestEnv();
    pool = createPool(env.urls.databaseUrl, 2);
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await pool?.end();
    await env?.cleanup();
  });

  it('does not crash the process; the next query fails, the pool hands out a new connection', async () => {
    const client = await pool.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    const admin = new pg.Client({ connectionString: env.stack.databaseUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await ended;
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    expect(uncaught).toEqual([]);
  });
});
