import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { checkLedger } from '../../../src/ledger/index.js';
import { apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers } from '../messaging/support/fixtures.js';

const EVENTS = 10_000;
const MEMBERS = 500;
const CONCURRENCY = 32;
/** The api is SIGKILLed when this many events have been answered, and again at the second. */
const KILL_AT = [2_500, 6_000];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Nothing lost, nothing doubled: the api process (`laurel api`, its own process) is SIGKILLed twice
 * while a client sends 10,000 single events (group-committed) and retries every request that failed
 * on the connection with the same idempotency key, as a real client would. Afterwards there are
 * exactly 10,000 events, each awarded once, and `checkLedger` proves the ledger.
 */
describe('SIGKILL of the api during a retrying 10,000-event load', () => {
  let env: TestEnv;
  let admin: string;
  let port: number;
  let api: ChildProcess | undefined;

  async function startApi(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'laurel.js'), 'api'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        DATABASE_URL: env.urls.databaseUrl,
        REDIS_URL: env.urls.redisUrl,
        TEMPORAL_ADDRESS: env.urls.temporalAddress,
        TEMPORAL_NAMESPACE: env.config.temporalNamespace,
        QUEUE_PREFIX: env.id,
        TEMPORAL_TASK_QUEUE: env.config.taskQueue,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`laurel api exited (${child.exitCode}):\n${err}`);
      if (Date.now() > deadline) throw new Error(`laurel api not up within 90 s:\n${err}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    admin = await apiKey(env, 'admin');
    await seedMembers(env.ctx.pool, Array.from({ length: MEMBERS }, (_, i) => ({ id: `k${i}` })));
    port = await freePort();
  });
  afterAll(async () => {
    if (api && api.exitCode === null && api.signalCode === null) api.kill('SIGKILL');
    await env?.cleanup();
  });

  it('exactly 10,000 events afterwards, each awarded once; the ledger check passes', async () => {
    api = await startApi();
    let answered = 0;
    let connectionErrors = 0;
    let restarting: Promise<void> | null = null;
    const kills = [...KILL_AT];
    const statuses = new Map<number, number>();

    const killAndRestart = async () => {
      api!.kill('SIGKILL');
      await new Promise((r) => api!.once('exit', r));
      api = await startApi();
    };

    async function send(i: number): Promise<void> {
      const body = JSON.stringify({ memberId: `k${i % MEMBERS}`, type: 'purchase', amount: 1_000_000 + (i % 13) * 100_000, orderId: `o${i}`, idempotencyKey: `load-${i}` });
      for (let attempt = 0; ; attempt++) {
        if (restarting) await restarting;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body,
          });
          await res.text();
          if (res.status === 503) continue; // ledger contention or shutting down: retry, same key
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          answered += 1;
          if (kills.length > 0 && answered >= kills[0]!) {
            kills.shift();
            restarting = killAndRestart().finally(() => (restarting = null));
          }
          return;
        } catch {
          // The connection failed (refused, reset mid-request): the client retries with the same key.
          connectionErrors += 1;
          if (attempt > 2_000) throw new Error(`event ${i}: gave up after ${attempt} attempts`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }

    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) await send(next++);
      }),
    );
    if (restarting) await restarting;

    // Every request was answered as created or as a replay of its own earlier, cut-off attempt.
    expect([...statuses.keys()].every((s) => s === 200 || s === 201), JSON.stringify([...statuses])).toBe(true);
    expect(connectionErrors).toBeGreaterThan(0);
    const { rows } = await env.ctx.pool.query<{ events: number; keys: number; unawarded: number; doubled: number; earned: number; expected: number }>(
      `WITH e AS (SELECT id, (result -> 'points' ->> 'total')::bigint AS points FROM events WHERE idempotency_key LIKE 'load-%'),
            l AS (SELECT event_id, count(*) FILTER (WHERE component = 'base') AS base, sum(amount) AS amount FROM ledger_entries WHERE kind = 'earn' GROUP BY event_id)
       SELECT (SELECT count(*) FROM e)::int AS events,
              (SELECT count(DISTINCT idempotency_key) FROM events WHERE idempotency_key LIKE 'load-%')::int AS keys,
              (SELECT count(*) FROM e LEFT JOIN l ON l.event_id = e.id WHERE coalesce(l.base, 0) = 0)::int AS unawarded,
              (SELECT count(*) FROM e JOIN l ON l.event_id = e.id WHERE l.base > 1 OR l.amount <> e.points)::int AS doubled,
              (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE kind = 'earn')::bigint AS earned,
              (SELECT coalesce(sum(points), 0) FROM e)::bigint AS expected`,
    );
    expect(rows[0]).toMatchObject({ events: EVENTS, keys: EVENTS, unawarded: 0, doubled: 0 });
    expect(rows[0]!.earned).toBe(rows[0]!.expected);
    const check = await checkLedger(env.ctx.pool);
    expect(check.ok, JSON.stringify(check)).toBe(true);
    console.log(`sigkill load: ${EVENTS} events, 2 kills, ${connectionErrors} connection errors retried`);
  }, 600_000);
});
