import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log/index.js';
import { QUEUES } from '../../queues/index.js';
import type { MessageDelivery } from './deliver.js';
import type { DeliveryJob } from './queue.js';
import { retryDelayMs } from './retry.js';

export interface DeliveryWorkerDeps {
  connection: Redis;
  prefix: string;
  delivery: MessageDelivery;
  logger: Logger;
  concurrency: number;
  /** How long a job's lock lives without renewal: after a crash its job is picked up again this much later. */
  lockDurationMs?: number;
  backoffMs: number;
  random?: () => number;
}

/**
 * Runs MessageDelivery for each job. Retries and holds are the worker's own (the job is moved
 * back to delayed with the same id), counted in the send record, so a job added by any producer
 * (the outbox relay adds bare jobs) gets the configured attempts and backoff. A dead message
 * fails its job with the reason.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps): Worker<DeliveryJob> {
  const random = deps.random ?? Math.random;
  const lockDuration = deps.lockDurationMs ?? 30_000;
  const worker = new Worker<DeliveryJob>(
    QUEUES.delivery,
    async (job, token) => {
      const outcome = await deps.delivery.deliver(job.data.messageId);
      switch (outcome.status) {
        case 'held':
          await job.moveToDelayed(outcome.until.getTime(), token);
          throw new DelayedError();
        case 'retry':
          await job.moveToDelayed(Date.now() + retryDelayMs(Math.max(outcome.attempts, 1), deps.backoffMs, random()), token);
          throw new DelayedError();
        case 'dead':
          throw new UnrecoverableError(outcome.reason);
        default:
          return outcome;
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      // A stalled delivery is safe to rerun (the send record says what happened): never give up on one.
      maxStalledCount: 1000,
    },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'delivery worker error'));
  return worker;
}
