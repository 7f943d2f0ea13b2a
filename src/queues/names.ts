/** Every BullMQ queue Laurel uses. Prefixes isolate deployments (and test files) on one Redis. */
export const QUEUES = {
  /** One job per message: render, apply policies, send (src/messaging/delivery). */
  delivery: 'delivery',
  /** One job per ingested event: fans out to notifications, missions, contests (src/fanout). */
  memberEvents: 'member-events',
  /** Point awards from journeys (mission rewards, contest and draw prizes) written to the ledger. */
  awards: 'awards',
  /** Committed facts announced through the outbox (member created, mission completed, ...): webhooks and journeys consume them (src/facts). */
  facts: 'facts',
  /** One job per webhook delivery in flight, the head of its lane (src/webhooks). */
  webhooks: 'webhooks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Options of the jobs the outbox relays, by queue. A member-event job is retried: its handlers are
 * idempotent on the event id, and one may have to wait for an earlier event of the same member
 * (jobs run concurrently, so a refund can arrive before its purchase was counted). Delivery and
 * award jobs are retried too: their handlers are idempotent on the message / award id, and one
 * attempt would lose the mail or the award for good when PostgreSQL is restarting at that moment
 * (the chaos run found it: `npm run chaos`). Delivery's own send retries are separate (the worker
 * moves the job back to delayed); these attempts only cover a handler that threw (an outage):
 * 1 + 2 + … + 256 s ≈ 8.5 minutes.
 */
export const RELAYED_JOB_OPTIONS: Partial<Record<string, { attempts: number; backoff: { type: 'exponential'; delay: number } }>> = {
  [QUEUES.memberEvents]: { attempts: 8, backoff: { type: 'exponential', delay: 500 } },
  [QUEUES.facts]: { attempts: 8, backoff: { type: 'exponential', delay: 500 } },
  [QUEUES.delivery]: { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
  [QUEUES.awards]: { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
};

/**
 * BullMQ job ids: deterministic (a retry or replay of the same business fact yields the same id),
 * never all digits (BullMQ rejects those) and without ':' (BullMQ's docs advise against it).
 */
export function jobId(...parts: (string | number)[]): string {
  const id = parts.map((p) => String(p).replace(/:/g, '_')).join('.');
  return /^\d+$/.test(id) ? `j${id}` : id;
}
