/**
 * The delivery worker alone, as its own process, for the crash tests: configured from env like
 * the real worker role. LAUREL_TEST_KILL_AFTER_SENDS=n makes it SIGKILL itself right after the
 * n-th message the SMTP server accepted and before the send record is marked sent: the worst
 * moment for exactly-once.
 */
import { loadConfig } from '../../../../src/config/index.js';
import { createPool } from '../../../../src/db/index.js';
import { createLogger } from '../../../../src/log/index.js';
import {
  ChannelRateLimiter,
  createChannels,
  createDeliveryWorker,
  createReconcilers,
  MessageDelivery,
  messagingTemplateSource,
  parseFrequencyCaps,
  parseQuietHours,
  publicBaseUrl,
  type ChannelAdapter,
} from '../../../../src/messaging/index.js';
import { createRedis } from '../../../../src/queues/index.js';

const config = loadConfig(process.env);
const m = config.messaging;
const pool = createPool(config.databaseUrl!, m.deliveryConcurrency + 5);
const redis = createRedis(config.redisUrl!);
const connection = createRedis(config.redisUrl!);
const channels = createChannels(config, config.smtpUrl!, pool);
const killAfter = Number(process.env.LAUREL_TEST_KILL_AFTER_SENDS ?? 0);
if (killAfter > 0) {
  const email = channels.get('email')!;
  let accepted = 0;
  const crashing: ChannelAdapter = {
    ...email,
    channel: 'email',
    idempotentResend: false,
    async send(message) {
      const result = await email.send(message);
      if (++accepted >= killAfter) process.kill(process.pid, 'SIGKILL');
      return result;
    },
  };
  channels.set('email', crashing);
}
const logger = createLogger(config.logLevel, 'delivery-worker-test');
const delivery = new MessageDelivery({
  pool,
  channels,
  reconcilers: createReconcilers(config),
  templates: messagingTemplateSource(pool).source,
  rateLimiter: new ChannelRateLimiter(redis, config.queuePrefix, m.ratePerSecond),
  policy: { quietHours: parseQuietHours(m.quietHours), caps: parseFrequencyCaps(m.frequencyCaps) },
  links: { publicUrl: publicBaseUrl(config), unsubscribeSecret: m.unsubscribeSecret },
  maxAttempts: m.deliveryAttempts,
  logger,
});
const worker = createDeliveryWorker({
  connection,
  prefix: config.queuePrefix,
  delivery,
  logger,
  concurrency: m.deliveryConcurrency,
  lockDurationMs: m.deliveryLockMs,
  backoffMs: m.deliveryBackoffMs,
});
await worker.waitUntilReady();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await worker.close();
    await Promise.all([...channels.values()].map((c) => c.close()));
    redis.disconnect();
    connection.disconnect();
    await pool.end();
    process.stdout.write('stopped\n');
    process.exit(0);
  })();
});
