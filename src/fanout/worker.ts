import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/index.js';
import { QUEUES } from '../queues/index.js';

/** A member event fanned out after its transaction committed (ids only; load the rest). */
export interface MemberEventJob {
  eventId: string;
  memberId: string;
}

/**
 * One consumer of member events (notifications, mission signals, contest leaderboards). A job
 * reruns every handler on retry, so each must be idempotent on the event id.
 */
export interface FanoutHandler {
  name: string;
  handle(job: MemberEventJob): Promise<void>;
}

export function createFanoutWorker(deps: { connection: Redis; prefix: string; handlers: readonly FanoutHandler[]; logger: Logger; concurrency: number }): Worker<MemberEventJob> {
  const worker = new Worker<MemberEventJob>(
    QUEUES.memberEvents,
    async (job) => {
      for (const handler of deps.handlers) await handler.handle(job.data);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'fan-out worker error'));
  return worker;
}
