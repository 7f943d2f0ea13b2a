import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LaurelConfig } from '../../config/index.js';
import type { Pool } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import { createEmailChannel, createInboxChannel, createSmsChannel, type ChannelAdapter } from '../channels/index.js';
import { parseFrequencyCaps, parseQuietHours } from '../policies/index.js';
import { createMaildevReconciler, type ChannelReconciler } from '../reconcile/index.js';
import { messagingTemplateSource } from '../store/template-store.js';
import type { Channel, TemplateSource } from '../templates/index.js';
import { MessageDelivery } from './deliver.js';
import { ChannelRateLimiter } from './rate-limit.js';
import { createDeliveryWorker } from './worker.js';

export interface DeliveryServiceDeps {
  config: LaurelConfig;
  smtpUrl: string;
  pool: Pool;
  /** Commands (rate counters). */
  redis: Redis;
  /** The worker's own blocking connection. */
  connection: Redis;
  logger: Logger;
  templates?: TemplateSource;
}

export interface DeliveryService {
  worker: Worker;
  delivery: MessageDelivery;
  /** Lets in-flight sends finish (SIGTERM), then closes the channels. */
  stop(): Promise<void>;
}

export function publicBaseUrl(config: LaurelConfig): string {
  return config.publicUrl ?? `http://${config.host}:${config.port}`;
}

export function createChannels(config: LaurelConfig, smtpUrl: string, pool: Pool): Map<Channel, ChannelAdapter> {
  const m = config.messaging;
  const channels = new Map<Channel, ChannelAdapter>();
  channels.set('email', createEmailChannel({ smtpUrl, from: config.mailFrom, maxConnections: Math.min(m.deliveryConcurrency, 10) }));
  if (m.smsWebhookUrl && m.smsWebhookSecret) channels.set('sms', createSmsChannel({ webhookUrl: m.smsWebhookUrl, secret: m.smsWebhookSecret }));
  channels.set('inbox', createInboxChannel(pool));
  return channels;
}

export function createReconcilers(config: LaurelConfig): Map<Channel, ChannelReconciler> {
  const reconcilers = new Map<Channel, ChannelReconciler>();
  if (config.messaging.maildevApiUrl) reconcilers.set('email', createMaildevReconciler(config.messaging.maildevApiUrl));
  return reconcilers;
}

export async function startDeliveryService(deps: DeliveryServiceDeps): Promise<DeliveryService> {
  const m = deps.config.messaging;
  const channels = createChannels(deps.config, deps.smtpUrl, deps.pool);
  const delivery = new MessageDelivery({
    pool: deps.pool,
    channels,
    reconcilers: createReconcilers(deps.config),
    templates: deps.templates ?? messagingTemplateSource(deps.pool).source,
    rateLimiter: new ChannelRateLimiter(deps.redis, deps.config.queuePrefix, m.ratePerSecond),
    policy: { quietHours: parseQuietHours(m.quietHours), caps: parseFrequencyCaps(m.frequencyCaps) },
    links: { publicUrl: publicBaseUrl(deps.config), unsubscribeSecret: m.unsubscribeSecret },
    maxAttempts: m.deliveryAttempts,
    logger: deps.logger,
  });
  const worker = createDeliveryWorker({
    connection: deps.connection,
    prefix: deps.config.queuePrefix,
    delivery,
    logger: deps.logger,
    concurrency: m.deliveryConcurrency,
    lockDurationMs: m.deliveryLockMs,
    backoffMs: m.deliveryBackoffMs,
  });
  await worker.waitUntilReady();
  return {
    worker,
    delivery,
    async stop() {
      await worker.close();
      await Promise.all([...channels.values()].map((c) => c.close()));
    },
  };
}
