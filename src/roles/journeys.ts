import type { AppContext } from '../app/context.js';
import { createJourneyWorker } from '../journeys/index.js';
import { drawSettingsFrom } from '../journeys/draws/index.js';
import { ensureJourneySchedules } from '../journeys/schedules/index.js';
import type { Role } from './role.js';

export async function startJourneysRole(ctx: AppContext, bundle?: { code: string }): Promise<Role> {
  const { worker, connection } = await createJourneyWorker({
    address: ctx.urls.temporalAddress,
    namespace: ctx.config.temporalNamespace,
    taskQueue: ctx.config.taskQueue,
    deps: {
      pool: ctx.pool,
      deliveryQueue: ctx.deliveryQueue,
      temporal: ctx.temporal,
      taskQueue: ctx.config.taskQueue,
      redis: ctx.redis,
      prefix: ctx.config.queuePrefix,
      channels: ctx.config.messaging.notifyChannels,
      draws: drawSettingsFrom(ctx.config),
    },
    logger: ctx.logger,
    // Unset: the worker's explicit default, not the SDK's guess from the heap limit.
    maxCachedWorkflows: ctx.config.journeysMaxCachedWorkflows,
    ...(bundle ? { bundle } : {}),
  });
  await ensureJourneySchedules(ctx.temporal, { taskQueue: ctx.config.taskQueue }, ctx.logger);
  const running = worker.run();
  running.catch((err: unknown) => ctx.logger.error({ err }, 'journeys worker stopped'));
  return {
    name: 'journeys',
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
