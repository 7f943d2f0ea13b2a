import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, jobId } from '../../queues/index.js';

/** Delivery jobs carry only the message id: the send record in Postgres holds everything else. */
export interface DeliveryJob {
  messageId: string;
}

export function createDeliveryQueue(connection: Redis, prefix: string): Queue<DeliveryJob> {
  return new Queue<DeliveryJob>(QUEUES.delivery, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: false,
    },
  });
}

export async function enqueueDelivery(queue: Queue<DeliveryJob>, messageId: string): Promise<void> {
  await queue.add('deliver', { messageId }, { jobId: jobId('msg', messageId) });
}
