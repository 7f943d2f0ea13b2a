import type { PoolClient } from '../db/index.js';
import type { QueueName } from '../queues/index.js';

export interface OutboxJob {
  queue: QueueName;
  name: string;
  /** Deterministic: the relay uses it as the BullMQ jobId, so relaying twice adds one job. */
  jobId: string;
  /** Ids, not payloads: consumers load the facts from Postgres. */
  payload: Record<string, unknown>;
  /** Delay before the job becomes available (ms), e.g. to batch a burst of events. */
  delayMs?: number;
}

/** The stored row's payload (the relay reads the delay back out of it). */
export function outboxPayload(job: OutboxJob): string {
  return JSON.stringify({ ...job.payload, ...(job.delayMs ? { __delayMs: job.delayMs } : {}) });
}

/** Writes jobs in the caller's transaction: they exist exactly when the facts they announce do. */
export async function addToOutbox(client: PoolClient, jobs: readonly OutboxJob[]): Promise<void> {
  if (jobs.length === 0) return;
  // Insert and wake the relay in one round trip (the notification is delivered at commit).
  await client.query(
    `WITH added AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
       ON CONFLICT (job_id) DO NOTHING
     )
     SELECT pg_notify('laurel_outbox', '')`,
    [jobs.map((j) => j.queue), jobs.map((j) => j.name), jobs.map((j) => j.jobId), jobs.map(outboxPayload)],
  );
}
