import type { Worker } from 'bullmq';
import type { AppContext } from '../app/context.js';
import { createFanoutWorker, type FanoutHandler } from '../fanout/index.js';
import { createPointsEarnedHandler, startDeliveryService, TierChangeNotifier } from '../messaging/index.js';
import { OutboxRelay } from '../outbox/index.js';
import { createAwardWorker } from '../ledger/index.js';
import { createRedis } from '../queues/index.js';
import { createMissionFanoutHandler } from '../journeys/missions/index.js';
import { createContestFanoutHandler } from '../journeys/contests/index.js';
import { createWinbackFanoutHandler } from '../journeys/winback/index.js';
import { RollupCompactor } from '../reports/index.js';
import { createEventFactsHandler, createFactsWorker, type FactHandler } from '../facts/index.js';
import { createWebhookFactHandler, startWebhookService } from '../webhooks/index.js';
import { createJourneyFactHandler, createJourneyFanoutHandler } from '../journeys/lifecycle/index.js';
import { createReferralFanoutHandler } from '../referrals/index.js';
import type { Role } from './role.js';

/** The consumers of facts (committed things that happened). Each concern adds its own here. */
function factHandlers(ctx: AppContext): FactHandler[] {
  return [createWebhookFactHandler({ pool: ctx.pool }), createJourneyFactHandler({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue })];
}

/** The handlers every member event fans out to. Each concern adds its own here. */
function fanoutHandlers(ctx: AppContext, facts: readonly FactHandler[]): FanoutHandler[] {
  return [
    createPointsEarnedHandler({
      pool: ctx.pool,
      queue: ctx.deliveryQueue,
      channels: ctx.config.messaging.notifyChannels,
      batchSeconds: ctx.config.messaging.pointsEarnedBatchSeconds,
      logger: ctx.logger,
    }),
    createMissionFanoutHandler({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue }),
    createContestFanoutHandler({ pool: ctx.pool, redis: ctx.redis, prefix: ctx.config.queuePrefix }),
    createWinbackFanoutHandler({ pool: ctx.pool, temporal: ctx.temporal }),
    createJourneyFanoutHandler({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue }),
    createReferralFanoutHandler({ pool: ctx.pool }),
    createEventFactsHandler({ pool: ctx.pool, handlers: facts }),
  ];
}

export async function startWorkerRole(ctx: AppContext): Promise<Role> {
  // Workers block on Redis: they get their own connection rather than sharing the producer's.
  const connection = createRedis(ctx.urls.redisUrl);
  const delivery = await startDeliveryService({ config: ctx.config, smtpUrl: ctx.urls.smtpUrl, pool: ctx.pool, redis: ctx.redis, connection, logger: ctx.logger });
  const tierNotifier = new TierChangeNotifier({ pool: ctx.pool, queue: ctx.deliveryQueue, channels: ctx.config.messaging.notifyChannels, logger: ctx.logger });
  tierNotifier.start();
  const compactor = new RollupCompactor({ pool: ctx.pool, logger: ctx.logger });
  compactor.start();
  const webhooks = startWebhookService({ pool: ctx.pool, connection, redis: ctx.redis, prefix: ctx.config.queuePrefix, settings: ctx.config.webhooks, logger: ctx.logger });
  const facts = factHandlers(ctx);
  const workers: Worker[] = [
    createFanoutWorker({ connection, prefix: ctx.config.queuePrefix, handlers: fanoutHandlers(ctx, facts), logger: ctx.logger, concurrency: ctx.config.workerConcurrency }),
    createFactsWorker({ connection, prefix: ctx.config.queuePrefix, handlers: facts, logger: ctx.logger, concurrency: ctx.config.workerConcurrency }),
    createAwardWorker({ connection, prefix: ctx.config.queuePrefix, pool: ctx.pool, logger: ctx.logger, concurrency: ctx.config.workerConcurrency }),
  ];
  await Promise.all([...workers, webhooks.worker].map((w) => w.waitUntilReady()));
  const relay = new OutboxRelay(ctx.pool, ctx.redis, ctx.config.queuePrefix, ctx.logger);
  await relay.start();
  return {
    name: 'worker',
    async stop() {
      await relay.stop();
      await tierNotifier.stop();
      await compactor.stop();
      await Promise.all([delivery.stop(), webhooks.stop(), ...workers.map((w) => w.close())]); // each waits for its in-flight jobs
      connection.disconnect();
    },
  };
}
