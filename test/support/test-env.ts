import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type LaurelConfig, type ServiceUrls } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { openAppContext, type AppContext } from '../../src/app/context.js';
import { TEMPLATE_DB, testNamespace, type StackInfo } from './stack-info.js';

/**
 * Per test file: a database cloned from the migrated template, a BullMQ prefix and a Temporal task
 * queue of its own, in its worker's Temporal namespace, so files run in parallel against one stack
 * without seeing each other. Processes a test spawns get `env.config.temporalNamespace` too.
 */
export interface TestEnv {
  id: string;
  stack: StackInfo;
  config: LaurelConfig;
  urls: ServiceUrls;
  ctx: AppContext;
  workflowBundle: { code: string };
  cleanup(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** `routeUrls` lets a test put something between the app and a service (a proxy it can cut). */
export async function createTestEnv(overrides: NodeJS.ProcessEnv = {}, options: { routeUrls?: (urls: ServiceUrls) => ServiceUrls } = {}): Promise<TestEnv> {
  const stack = inject('stack');
  const id = `t${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${id} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const direct: ServiceUrls = {
    databaseUrl: withDatabase(stack.databaseUrl, id),
    redisUrl: stack.redisUrl,
    temporalAddress: stack.temporalAddress,
    smtpUrl: stack.smtpUrl,
  };
  const urls = options.routeUrls ? options.routeUrls(direct) : direct;
  const config = loadConfig({
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    TEMPORAL_ADDRESS: urls.temporalAddress,
    SMTP_URL: urls.smtpUrl,
    QUEUE_PREFIX: id,
    TEMPORAL_TASK_QUEUE: `laurel-${id}`,
    TEMPORAL_NAMESPACE: testNamespace(),
    LOG_LEVEL: 'warn',
    PORT: '0',
    // Every answer of a declared route is checked against its contract: drift fails the test.
    API_CONTRACT_CHECK: 'strict',
    ...overrides,
  });
  const ctx = await openAppContext(config, urls, createLogger(config.logLevel, `test-${id}`));
  return {
    id,
    stack,
    config,
    urls,
    ctx,
    workflowBundle: inject('workflowBundle'),
    async cleanup() {
      const keys = await ctx.redis.keys(`${id}:*`);
      if (keys.length > 0) await ctx.redis.del(...keys);
      await ctx.close();
      const c = new pg.Client({ connectionString: stack.databaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${id} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
