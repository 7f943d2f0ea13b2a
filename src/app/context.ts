import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Client } from '@temporalio/client';
import type { LaurelConfig, ServiceUrls } from '../config/index.js';
import { createPool, type Pool } from '../db/index.js';
import { ServiceError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { createRedis } from '../queues/index.js';
import { createDeliveryQueue, type DeliveryJob } from '../messaging/delivery/queue.js';
import { connectTemporalClient } from '../journeys/index.js';

/** The connections every role shares. One per process; roles borrow, `close` returns them. */
export interface AppContext {
  config: LaurelConfig;
  urls: ServiceUrls;
  logger: Logger;
  pool: Pool;
  redis: Redis;
  temporal: Client;
  deliveryQueue: Queue<DeliveryJob>;
  close(): Promise<void>;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

export async function openAppContext(config: LaurelConfig, urls: ServiceUrls, logger: Logger): Promise<AppContext> {
  const pool = createPool(urls.databaseUrl);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ServiceError('postgres', `cannot reach ${redact(urls.databaseUrl)} (${err instanceof Error ? err.message : String(err)}); check DATABASE_URL`);
  }
  const redis = createRedis(urls.redisUrl);
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000)),
    ]);
  } catch (err) {
    redis.disconnect();
    await pool.end().catch(() => undefined);
    throw new ServiceError('redis', `cannot reach ${redact(urls.redisUrl)} (${err instanceof Error ? err.message : String(err)}); check REDIS_URL`);
  }
  let temporal: Client;
  try {
    temporal = await connectTemporalClient(urls.temporalAddress, config.temporalNamespace);
  } catch (err) {
    redis.disconnect();
    await pool.end().catch(() => undefined);
    throw err;
  }
  const deliveryQueue = createDeliveryQueue(redis, config.queuePrefix);
  return {
    config,
    urls,
    logger,
    pool,
    redis,
    temporal,
    deliveryQueue,
    async close() {
      await deliveryQueue.close();
      await temporal.connection.close();
      redis.disconnect();
      await pool.end();
    },
  };
}
