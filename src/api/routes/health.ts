import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '../../db/index.js';
import type { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';
import { defineRoute } from '../route.js';

export interface HealthDeps {
  pool: Pool;
  redis: Redis;
  temporal: Client;
}

const Health = z.object({ status: z.literal('ok') });
const Readiness = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']),
    failing: z.array(z.enum(['postgres', 'redis', 'temporal'])),
    checks: z.record(z.string(), z.string()).describe('per service: ok, or why it did not answer'),
    note: z.string().optional().describe('degraded: what still works and what waits'),
  })
  .meta({ id: 'Readiness' });

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
  defineRoute(app, {
    method: 'GET',
    url: '/healthz',
    tags: ['operations'],
    summary: 'Liveness: the process answers',
    auth: 'public',
    responses: { 200: Health },
    handler: async () => ({ status: 'ok' as const }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/readyz',
    tags: ['operations'],
    summary: 'Readiness: PostgreSQL reachable (503 otherwise); Redis or Temporal out = 200 degraded (events are still accepted into the outbox)',
    auth: 'public',
    responses: {
      200: Readiness.describe('Ready, or degraded: PostgreSQL answers, and `failing` names Redis or Temporal; events are accepted and wait in the outbox'),
      503: Readiness.describe('Not ready: PostgreSQL did not answer; `failing` names every service that did not'),
    },
    handler: async ({ reply }) => {
      const checks: Record<'postgres' | 'redis' | 'temporal', () => Promise<unknown>> = {
        postgres: () => deps.pool.query('SELECT 1'),
        redis: () => deps.redis.ping(),
        temporal: () => deps.temporal.workflowService.getSystemInfo({}),
      };
      const results = await Promise.all(
        (Object.keys(checks) as (keyof typeof checks)[]).map(async (name) => {
          try {
            await within(2000, checks[name]());
            return [name, 'ok'] as const;
          } catch (err) {
            return [name, err instanceof Error ? err.message : String(err)] as const;
          }
        }),
      );
      const failing = results.filter(([, state]) => state !== 'ok').map(([name]) => name);
      // PostgreSQL is the ledger and the outbox: without it nothing can be accepted. Without Redis or
      // Temporal the API still takes events (the outbox relays them when they are back).
      const status = failing.includes('postgres') ? ('not_ready' as const) : failing.length > 0 ? ('degraded' as const) : ('ready' as const);
      reply.code(status === 'not_ready' ? 503 : 200);
      return {
        status,
        failing,
        checks: Object.fromEntries(results),
        ...(status === 'degraded' ? { note: `events are accepted and kept in the PostgreSQL outbox; work that needs ${failing.join(' and ')} waits until it is back` } : {}),
      };
    },
  });
}
