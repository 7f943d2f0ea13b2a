import type { AppContext } from '../app/context.js';
import { createEmailChannel } from '../messaging/channels/email.js';
import { createDeliveryWorker } from '../messaging/delivery/worker.js';
import { createRedis } from '../queues/index.js';
import type { Role } from './role.js';

export async function startWorkerRole(ctx: AppContext): Promise<Role> {
  // Workers block on Redis: they get their own connection rather than sharing the producer's.
  const connection = createRedis(ctx.urls.redisUrl);
  const email = createEmailChannel(ctx.urls.smtpUrl, ctx.config.mailFrom);
  const delivery = createDeliveryWorker({
    connection,
    prefix: ctx.config.queuePrefix,
    pool: ctx.pool,
    email,
    logger: ctx.logger,
    concurrency: ctx.config.workerConcurrency,
  });
  await delivery.waitUntilReady();
  return {
    name: 'worker',
    async stop() {
      await delivery.close(); // waits for in-flight jobs
      email.close();
      connection.disconnect();
    },
  };
}
