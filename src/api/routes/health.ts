import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../db/index.js';
import type { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';

export interface HealthDeps {
  pool: Pool;
  redis: Redis;
  temporal: Client;
}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, () => Promise<unknown>> = {
      postgres: () => deps.pool.query('SELECT 1'),
      redis: () => deps.redis.ping(),
      temporal: () => deps.temporal.workflowService.getSystemInfo({}),
    };
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await within(2000, check());
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message : String(err)] as const;
        }
      }),
    );
    const failing = results.filter(([, state]) => state !== 'ok').map(([name]) => name);
    const body = { status: failing.length === 0 ? 'ready' : 'not_ready', failing, checks: Object.fromEntries(results) };
    return reply.code(failing.length === 0 ? 200 : 503).send(body);
  });
}
