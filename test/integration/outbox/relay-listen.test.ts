import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';
import { OutboxRelay } from '../../../src/outbox/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

/**
 * Ends the backend whose last statement was `statement` (the relay's LISTEN, or its UNLISTEN once
 * stopped), as a PostgreSQL restart or a DROP DATABASE … WITH (FORCE) does.
 */
async function countBackends(env: TestEnv, statement: string): Promise<number> {
  const r = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = $2`, [env.id, statement]);
  return r.rows[0].n as number;
}

async function terminateBackend(env: TestEnv, statement: string): Promise<number> {
  const admin = new pg.Client({ connectionString: env.stack.databaseUrl });
  await admin.connect();
  try {
    const r = await admin.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = $2 AND pid <> pg_backend_pid()`, [env.id, statement]);
    return r.rows[0].n as number;
  } finally {
    await admin.end();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe('outbox relay LISTEN connection', () => {
  let env: TestEnv;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    env = await createTestEnv();
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await env.cleanup();
  });

  it('listens again when its connection is terminated while running', async () => {
    const relay = new OutboxRelay(env.ctx.pool, env.ctx.redis, env.id, createLogger('silent'));
    await relay.start();
    expect(await terminateBackend(env, 'LISTEN laurel_outbox')).toBe(1);
    // The loop notices within its one-second poll and listens on a new connection.
    const deadline = Date.now() + 15_000;
    while ((await countBackends(env, 'LISTEN laurel_outbox')) !== 1 && Date.now() < deadline) await settle();
    expect(await countBackends(env, 'LISTEN laurel_outbox')).toBe(1);
    await relay.stop();
    expect(uncaught).toEqual([]);
  });

  // The last CI failure: stop() gave the connection back to the pool, then the same client's
  // 'error' handler released it again when its backend was terminated ("Release called on client
  // which has already been released to the pool", an uncaught exception).
  it('does not release the connection twice when it dies after stop()', async () => {
    const relay = new OutboxRelay(env.ctx.pool, env.ctx.redis, env.id, createLogger('silent'));
    await relay.start();
    await relay.stop();
    expect(await terminateBackend(env, 'UNLISTEN laurel_outbox')).toBe(1);
    await settle();
    expect(uncaught).toEqual([]);
  });
});
