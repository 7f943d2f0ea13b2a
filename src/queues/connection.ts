import { Redis } from 'ioredis';

/**
 * BullMQ needs `maxRetriesPerRequest: null` on worker connections (blocking commands must not be
 * cut short); the same settings are fine for producers.
 */
export function createRedis(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
