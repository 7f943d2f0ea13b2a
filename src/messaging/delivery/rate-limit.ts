import type { Redis } from 'ioredis';
import type { Channel } from '../templates/index.js';

/**
 * Messages per second per channel, shared by every worker through Redis: a counter per channel
 * per second; a caller over the limit waits for the next second. Limit 0 = unlimited.
 */
export class ChannelRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly perSecond: Readonly<Record<Channel, number>>,
  ) {}

  async acquire(channel: Channel): Promise<void> {
    const limit = this.perSecond[channel];
    if (!limit) return;
    for (;;) {
      const now = Date.now();
      const second = Math.floor(now / 1000);
      const key = `${this.prefix}:rate:${channel}:${second}`;
      const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, 2000).exec()) as [[Error | null, number], unknown];
      if (count <= limit) return;
      await new Promise((resolve) => setTimeout(resolve, (second + 1) * 1000 - now + Math.floor(Math.random() * 20)));
    }
  }
}
