import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, jobId } from '../../queues/index.js';

/** Delivery jobs carry only the message id: the send record in Postgres holds everything else. */
export interface DeliveryJob {
  messageId: string;
}

/** The BullMQ job id of a message: the stable message id itself (sanitized for BullMQ). */
export function deliveryJobId(messageId: string): string {
  return jobId(messageId);
}

export interface DeliveryQueueOptions {
  attempts?: number;
  backoffMs?: number;
}

export function createDeliveryQueue(connection: Redis, prefix: string, options: DeliveryQueueOptions = {}): Queue<DeliveryJob> {
  return new Queue<DeliveryJob>(QUEUES.delivery, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? 8,
      // Exponential with jitter: delay * 2^(attempt-1), randomly shortened by up to half, so a
      // provider outage does not see every message come back at the same instant.
      backoff: { type: 'exponential', delay: options.backoffMs ?? 2000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
}

export async function enqueueDelivery(queue: Queue<DeliveryJob>, messageId: string): Promise<void> {
  await queue.add('deliver', { messageId }, { jobId: deliveryJobId(messageId) });
}
