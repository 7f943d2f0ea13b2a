import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PeriodicTask } from '../app/periodic-task.js';
import type { WebhookSettings } from '../config/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { retryDelayMs } from '../messaging/delivery/retry.js';
import { QUEUES, jobId } from '../queues/index.js';
import { WebhookDelivery } from './deliver.js';
import { restartLanes } from './lanes.js';

export interface WebhookJob {
  deliveryId: string;
}

const MAX_RETRY_DELAY_MS = 6 * 3_600_000;
/** A lane head whose job has not run for this long is checked for a lost job. */
const STALE_HEAD_MS = 120_000;

export interface WebhookServiceDeps {
  pool: Pool;
  /** Blocking connection for the worker. */
  connection: Redis;
  /** Producer connection (the repair sweep looks jobs up). */
  redis: Redis;
  prefix: string;
  settings: WebhookSettings;
  logger: Logger;
  lockDurationMs?: number;
  repairIntervalMs?: number;
  random?: () => number;
}

/**
 * The delivery worker: one job per lane head. Retries are the worker's own (the job goes back to
 * delayed, as message delivery does), so any producer's bare job gets the configured attempts
 * and backoff; the receiver's Retry-After (429, 503) is honoured when it asks for longer. A
 * sweep every minute gives a lane head whose job was lost (Redis restarted without its data, a
 * job that failed on an unexpected error) a new one.
 */
export function startWebhookService(deps: WebhookServiceDeps): { worker: Worker<WebhookJob>; stop(): Promise<void>; repairOnce(): Promise<number> } {
  const delivery = new WebhookDelivery(deps.pool, { attempts: deps.settings.attempts, timeoutMs: deps.settings.timeoutMs, orderWindowMs: deps.settings.orderWindowMs });
  const random = deps.random ?? Math.random;
  // Longer than any request (renewed at half of it): a crashed worker's delivery comes back after this.
  const lockDuration = deps.lockDurationMs ?? Math.max(5000, deps.settings.timeoutMs * 3);
  const worker = new Worker<WebhookJob>(
    QUEUES.webhooks,
    async (job, token) => {
      const outcome = await delivery.deliver(job.data.deliveryId);
      if (outcome.status === 'retry') {
        const backoff = retryDelayMs(outcome.attempts, deps.settings.backoffMs, random(), { jitter: 0.2, maxMs: MAX_RETRY_DELAY_MS });
        const delay = Math.min(MAX_RETRY_DELAY_MS, Math.max(backoff, outcome.retryAfterMs ?? 0));
        const at = new Date(Date.now() + delay);
        await delivery.scheduleRetry(job.data.deliveryId, at);
        await job.moveToDelayed(at.getTime(), token);
        throw new DelayedError();
      }
      if (outcome.status === 'wait') {
        await job.moveToDelayed(outcome.until.getTime(), token);
        throw new DelayedError();
      }
      if (outcome.status === 'dead') throw new UnrecoverableError(outcome.reason);
      return outcome;
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: deps.settings.concurrency,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      // A stalled delivery is safe to rerun (its row says what happened): never give up on one.
      maxStalledCount: 1000,
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'webhook worker error'));
  const queue = new Queue(QUEUES.webhooks, { connection: deps.redis, prefix: deps.prefix });

  async function repairOnce(): Promise<number> {
    const { rows } = await deps.pool.query<{ subscription_id: string; head: string; epoch: number }>(
      `SELECT l.subscription_id, l.head, l.epoch
         FROM webhook_lanes l
         JOIN webhook_subscriptions s ON s.id = l.subscription_id AND s.status = 'active'
         JOIN webhook_deliveries d ON d.id = l.head
        WHERE d.status IN ('pending', 'sending', 'retrying') AND d.created_at < now() - make_interval(secs => $1)
          AND (d.next_attempt_at IS NULL OR d.next_attempt_at < now() - make_interval(secs => $1))
        ORDER BY l.subscription_id, l.head LIMIT 500`,
      [STALE_HEAD_MS / 1000],
    );
    const lost = new Map<string, string[]>();
    for (const row of rows) {
      const job = await queue.getJob(jobId('wh', row.head, Number(row.epoch)));
      const state = job ? await job.getState() : 'missing';
      if (state === 'missing' || state === 'failed' || state === 'completed' || state === 'unknown') lost.set(row.subscription_id, [...(lost.get(row.subscription_id) ?? []), row.head]);
    }
    let restarted = 0;
    for (const [subscriptionId, heads] of lost) restarted += await withTransaction(deps.pool, (client) => restartLanes(client, subscriptionId, heads));
    if (restarted > 0) deps.logger.warn({ restarted }, 'webhook lanes restarted (their job was lost)');
    return restarted;
  }

  const repair = new PeriodicTask({
    run: repairOnce,
    intervalMs: deps.repairIntervalMs ?? 60_000,
    firstDelayMs: deps.repairIntervalMs ?? 60_000,
    logger: deps.logger,
    failure: 'webhook lane repair failed',
  });
  repair.start();

  return {
    worker,
    repairOnce,
    async stop() {
      await repair.stop();
      await worker.close();
      await queue.close();
    },
  };
}
