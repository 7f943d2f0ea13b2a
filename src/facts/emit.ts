import type { Pool, PoolClient } from '../db/index.js';
import { QUEUES, jobId } from '../queues/index.js';
import type { Fact } from './types.js';

/** The outbox job of a fact: its id is derived from the fact's, so announcing it twice is once. */
export function factJobId(factId: string): string {
  return jobId('fact', factId);
}

/**
 * Announces facts in the caller's transaction: one outbox row each, relayed to the facts queue
 * after commit, so a fact exists for its consumers exactly when it was committed, stamped with the
 * transaction's time (the order of a member's facts). Facts of a type
 * no one consumes (no webhook subscription, no journey trigger) are not written at all. Outside a
 * transaction (set-based sweeps whose facts follow rows already committed) pass the pool.
 */
export async function emitFacts(db: Pool | PoolClient, facts: readonly Fact[]): Promise<void> {
  if (facts.length === 0) return;
  await db.query(
    `WITH f AS (SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS f(type, job_id, payload)),
     added AS (
       INSERT INTO outbox (queue, job_name, job_id, payload)
       SELECT $4, 'fact', f.job_id, jsonb_set(f.payload, '{recordedAt}', to_jsonb(now())) FROM f WHERE laurel_fact_wanted(f.type)
       ON CONFLICT (job_id) DO NOTHING
       RETURNING 1
     )
     SELECT CASE WHEN EXISTS (SELECT 1 FROM added) THEN pg_notify('laurel_outbox', '') END`,
    [facts.map((f) => f.type), facts.map((f) => factJobId(f.id)), facts.map((f) => JSON.stringify(f)), QUEUES.facts],
  );
}
