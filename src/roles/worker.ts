import type { Worker } from 'bullmq';
import type { AppContext } from '../app/context.js';
import { createFanoutWorker, type FanoutHandler } from '../fanout/index.js';
import { createEmailChannel } from '../messaging/channels/email.js';
import { createDeliveryWorker } from '../messaging/delivery/worker.js';
import { OutboxRelay } from '../outbox/index.js';
import { createRedis } from '../queues/index.js';
import type { Role } from './role.js';

/** The handlers every member event fans out to. Each concern adds its own here. */
function fanoutHandlers(_ctx: AppContext): FanoutHandler[] {
  return [];
}

export async function startWorkerRole(ctx: AppContext): Promise<Role> {
  // Workers block on Redis: they get their own connection rather than sharing the producer's.
  const connection = createRedis(ctx.urls.redisUrl);
  const email = createEmailChannel(ctx.urls.smtpUrl, ctx.config.mailFrom);
  const workers: Worker[] = [
    createDeliveryWorker({ connection, prefix: ctx.config.queuePrefix, pool: ctx.pool, email, logger: ctx.logger, concurrency: ctx.config.workerConcurrency }),
    createFanoutWorker({ connection, prefix: ctx.config.queuePrefix, handlers: fanoutHandlers(ctx), logger: ctx.logger, concurrency: ctx.config.workerConcurrency }),
  ];
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const relay = new OutboxRelay(ctx.pool, ctx.redis, ctx.config.queuePrefix, ctx.logger);
  await relay.start();
  return {
    name: 'worker',
    async stop() {
      await relay.stop();
      await Promise.all(workers.map((w) => w.close())); // each waits for its in-flight jobs
      email.close();
      connection.disconnect();
    },
  };
}
