import type { Command } from 'commander';

// Modules load inside each action: `laurel --help` or `laurel draw verify` should not pay for
// Temporal, BullMQ and Fastify.
const roles = () => import('../../roles/index.js');
const runtime = () => import('../runtime.js');

export function registerRoleCommands(program: Command): void {
  program
    .command('api')
    .description('run the HTTP API against external services (DATABASE_URL, REDIS_URL, TEMPORAL_ADDRESS)')
    .action(async () => {
      const { openStandalone, runUntilSignal } = await runtime();
      const { ctx, logger } = await openStandalone(['databaseUrl', 'redisUrl', 'temporalAddress']);
      const api = await (await roles()).startApiRole(ctx);
      logger.info({ url: api.url }, 'api listening');
      await runUntilSignal(ctx, [api]);
    });

  program
    .command('worker')
    .description('run the BullMQ workers (delivery, awards, fan-out) against external services')
    .action(async () => {
      const { openStandalone, runUntilSignal } = await runtime();
      const { ctx, logger } = await openStandalone(['databaseUrl', 'redisUrl', 'temporalAddress', 'smtpUrl']);
      const worker = await (await roles()).startWorkerRole(ctx);
      logger.info('worker running');
      await runUntilSignal(ctx, [worker]);
    });

  program
    .command('journeys')
    .description('run the Temporal worker for journeys (missions, contests, draws, campaigns)')
    .action(async () => {
      const { openStandalone, runUntilSignal } = await runtime();
      const { ctx, logger } = await openStandalone(['databaseUrl', 'redisUrl', 'temporalAddress']);
      const journeys = await (await roles()).startJourneysRole(ctx);
      logger.info('journeys worker running');
      await runUntilSignal(ctx, [journeys]);
    });

  program
    .command('migrate')
    .description('apply pending SQL migrations to DATABASE_URL (safe to run twice)')
    .action(async () => {
      const { loadConfig, requireServiceUrls } = await import('../../config/index.js');
      const { createPool, migrate } = await import('../../db/index.js');
      const { databaseUrl } = requireServiceUrls(loadConfig(), ['databaseUrl']);
      const pool = createPool(databaseUrl, 2);
      try {
        const result = await migrate(pool);
        process.stdout.write(
          result.applied.length === 0
            ? `migrate: up to date (${result.alreadyApplied} applied before)\n`
            : `migrate: applied ${result.applied.join(', ')}\n`,
        );
      } finally {
        await pool.end();
      }
    });
}
