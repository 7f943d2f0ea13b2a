import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/log/index.js';
import { OutboxRelay } from '../../../src/outbox/index.js';
import { QUEUES } from '../../../src/queues/index.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const purchase = (n: number) => ({ memberId: 'o-1', type: 'purchase', amount: 1000 + n, orderId: `order-${n}`, idempotencyKey: `outage-${n}` });

/**
 * Outages as the api process sees them (a proxy between it and the service is cut: open connections
 * reset, new ones refused), without stopping the services other test files share.
 */
describe('outages: Redis out, events still accepted; PostgreSQL out, 503 at once and recovery by itself', () => {
  describe('Redis', () => {
    let proxy: TcpProxy;
    let env: TestEnv;
    let api: Api;
    let ingest: string;

    beforeAll(async () => {
      proxy = await TcpProxy.start(inject('stack').redisUrl);
      env = await createTestEnv({}, { routeUrls: (urls) => ({ ...urls, redisUrl: proxy.url(urls.redisUrl) }) });
      await publishExample(env, 'reference');
      ingest = await apiKey(env, 'ingest');
      api = await Api.start(env);
      expect((await api.call('PUT', '/v1/members/o-1', await apiKey(env, 'admin'), { email: 'o-1@example.test' })).status).toBe(201);
    });
    afterAll(async () => {
      await proxy?.restore();
      await api?.close();
      await env?.cleanup();
      await proxy?.stop();
    });

    it('events are accepted into the outbox while Redis is out; /readyz says degraded; the outbox drains when Redis is back', async () => {
      const before = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE queue = $1`, [QUEUES.memberEvents]);
      await proxy.cut();
      const started = Date.now();
      for (let n = 0; n < 5; n++) {
        const res = await api.call('POST', '/v1/events', ingest, purchase(n));
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      const ready = await api.call('GET', '/readyz', undefined);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'degraded', failing: ['redis'], note: expect.stringMatching(/outbox/) });
      const pending = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL AND queue = $1`, [QUEUES.memberEvents]);
      expect(pending.rows[0].n).toBe(before.rows[0].n + 5);

      await proxy.restore();
      await until('redis ready', async () => ((await api.call('GET', '/readyz', undefined)).body.status === 'ready' ? true : undefined));
      const relay = new OutboxRelay(env.ctx.pool, env.ctx.redis, env.config.queuePrefix, createLogger('silent', 'relay'));
      await relay.start();
      try {
        await until('the outbox drained', async () => {
          const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL`);
          return rows[0].n === 0 ? true : undefined;
        });
      } finally {
        await relay.stop();
      }
      const queue = new Queue(QUEUES.memberEvents, { connection: env.ctx.redis, prefix: env.config.queuePrefix });
      try {
        const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(before.rows[0].n + 5);
      } finally {
        await queue.close();
      }
    });
  });

  describe('PostgreSQL', () => {
    let proxy: TcpProxy;
    let env: TestEnv;
    let api: Api;
    let ingest: string;

    beforeAll(async () => {
      proxy = await TcpProxy.start(inject('stack').databaseUrl);
      env = await createTestEnv({ API_KEY_CACHE_SECONDS: '0' }, { routeUrls: (urls) => ({ ...urls, databaseUrl: proxy.url(urls.databaseUrl) }) });
      await publishExample(env, 'reference');
      ingest = await apiKey(env, 'ingest');
      api = await Api.start(env);
      expect((await api.call('PUT', '/v1/members/o-1', await apiKey(env, 'admin'), { email: 'o-1@example.test' })).status).toBe(201);
    });
    afterAll(async () => {
      await proxy?.restore();
      await api?.close();
      await env?.cleanup();
      await proxy?.stop();
    });

    it('answers 503 service_unavailable problem+json quickly, /readyz 503; when PostgreSQL is back it works again by itself, and a retry records the event once', async () => {
      expect((await api.call('POST', '/v1/events', ingest, purchase(0))).status).toBe(201);
      await proxy.cut();
      for (const attempt of [1, 2, 3]) {
        const started = Date.now();
        const res = await api.call('POST', '/v1/events', ingest, purchase(1));
        expect(Date.now() - started, `attempt ${attempt} answered quickly`).toBeLessThan(3000);
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toMatchObject({ code: 'service_unavailable', service: 'postgres' });
        expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|password|postgres:\/\//);
      }
      const started = Date.now();
      const ready = await api.call('GET', '/readyz', undefined);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'not_ready', failing: ['postgres'] });

      await proxy.restore();
      const retried = await until('the api answers again', async () => {
        const res = await api.call('POST', '/v1/events', ingest, purchase(1));
        return res.status === 503 ? undefined : res;
      });
      expect(retried.status).toBe(201);
      expect((await api.call('POST', '/v1/events', ingest, purchase(1))).status).toBe(200); // a replay
      expect((await api.call('GET', '/readyz', undefined)).status).toBe(200);
      const { rows } = await env.ctx.pool.query(`SELECT count(*)::int AS n FROM events WHERE member_id = 'o-1'`);
      expect(rows[0].n).toBe(2);
    });
  });
});
