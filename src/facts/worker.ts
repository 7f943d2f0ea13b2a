import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/index.js';
import { QUEUES } from '../queues/index.js';
import type { Fact } from './types.js';

/**
 * One consumer of facts (webhooks, journeys). A fact may be handed over more than once (a retried
 * job, a fact derived again from a redelivered member event): handlers are idempotent on its id.
 */
export interface FactHandler {
  name: string;
  handle(fact: Fact): Promise<void>;
}

/** Hands a fact to every handler in turn; a failure fails the job, which retries all (idempotent). */
export async function dispatchFact(handlers: readonly FactHandler[], fact: Fact): Promise<void> {
  for (const handler of handlers) await handler.handle(fact);
}

/** Consumes the facts queue (facts announced through the outbox by emitFacts). */
export function createFactsWorker(deps: { connection: Redis; prefix: string; handlers: readonly FactHandler[]; logger: Logger; concurrency: number }): Worker<Fact> {
  const worker = new Worker<Fact>(QUEUES.facts, async (job) => await dispatchFact(deps.handlers, job.data), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'facts worker error'));
  return worker;
}
