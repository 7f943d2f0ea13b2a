import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { buildServer } from '../../src/api/index.js';
import { listMigrations, migrate } from '../../src/db/index.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';

describe('health endpoints', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => env?.cleanup());

  it('/healthz answers while the process is up; /readyz checks every service', async () => {
    const app = await buildServer(env.ctx);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', failing: [], checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } });
    await app.close();
  });

  it('/readyz names the service that is not reachable: Redis out is 200 degraded (events still accepted), PostgreSQL out is 503', async () => {
    const deadRedis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    deadRedis.on('error', () => undefined);
    const app = await buildServer({ ...env.ctx, redis: deadRedis });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'degraded', failing: ['redis'], checks: { postgres: 'ok', temporal: 'ok' }, note: expect.stringMatching(/outbox/) });
    await app.close();
    deadRedis.disconnect();
  });

  it('/metrics serves Prometheus text with request counts by route pattern', async () => {
    const app = await buildServer(env.ctx);
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('laurel_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    expect(res.body).toContain('laurel_process_resident_memory_bytes');
    await app.close();
  });

  it('unknown routes answer problem+json with a stable code', async () => {
    const app = await buildServer(env.ctx);
    const res = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, code: 'route_not_found' });
    await app.close();
  });
});

describe('migrations', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => env?.cleanup());

  it('are recorded in schema_migrations, in order, and a second run applies nothing', async () => {
    // The test database was cloned from a migrated template: everything is in place already.
    const again = await migrate(env.ctx.pool);
    expect(again.applied).toEqual([]);
    const { rows } = await env.ctx.pool.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(listMigrations().map((f) => f.replace(/\.sql$/, '')));
  });

  it('apply from scratch, concurrently from several processes, exactly once', async () => {
    await env.ctx.pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    const results = await Promise.all([migrate(env.ctx.pool), migrate(env.ctx.pool), migrate(env.ctx.pool)]);
    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, listMigrations().length]);
  });
});
