import type { Pool } from '../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../fanout/index.js';
import type { EventResult } from '../ledger/index.js';
import { dispatchFact, type FactHandler } from './worker.js';
import { memberFact, type Fact } from './types.js';

interface EventFactsRow {
  id: string;
  member_id: string;
  type: string;
  occurred_at: Date;
  /** The row's created_at as ISO 8601 to the microsecond (a Date would cut it to the ms). */
  recorded_at: string;
  result: EventResult;
  points_wanted: boolean;
  tier_wanted: boolean;
}

/** The facts an ingested event announces: points earned (positive totals) and a tier upgrade. */
export function factsOfEvent(event: Pick<EventFactsRow, 'id' | 'member_id' | 'type' | 'occurred_at' | 'recorded_at' | 'result'>, wanted: { points: boolean; tier: boolean }): Fact[] {
  const facts: Fact[] = [];
  const { result } = event;
  if (wanted.points && result.points.total > 0) {
    facts.push(
      memberFact('points.earned', `points.earned.${event.id}`, event.member_id, event.occurred_at, {
        points: result.points.total,
        pending: result.points.pending > 0,
        eventId: event.id,
        source: event.type,
        balance: result.balance,
      }),
    );
  }
  if (wanted.tier && result.tier.changed) {
    facts.push(
      memberFact('tier.changed', `tier.changed.${event.id}`, event.member_id, event.occurred_at, {
        fromTier: result.tier.from,
        toTier: result.tier.to,
        direction: 'up',
        reason: 'event',
        eventId: event.id,
      }),
    );
  }
  // Committed with the event: its row's time orders them among the member's other facts. To the
  // microsecond, as PostgreSQL keeps it: a member's events written one after another can fall in
  // one millisecond, and then their webhooks were ordered by whichever fact was recorded first.
  return facts.map((f) => ({ ...f, recordedAt: event.recorded_at }));
}

/**
 * Fan-out handler: the facts an ingested event announces, handed straight to the fact handlers
 * (the member-event job is itself durable and retried, so no second outbox hop is needed). Only
 * the types someone consumes are derived at all.
 */
export function createEventFactsHandler(deps: { pool: Pool; handlers: readonly FactHandler[] }): FanoutHandler {
  return {
    name: 'facts',
    async handle(job: MemberEventJob): Promise<void> {
      if (deps.handlers.length === 0) return;
      const { rows } = await deps.pool.query<EventFactsRow>(
        `SELECT id, member_id, type, occurred_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, result,
                laurel_fact_wanted('points.earned') AS points_wanted, laurel_fact_wanted('tier.changed') AS tier_wanted
           FROM events WHERE id = $1`,
        [job.eventId],
      );
      const row = rows[0];
      if (!row || (!row.points_wanted && !row.tier_wanted)) return;
      for (const fact of factsOfEvent(row, { points: row.points_wanted, tier: row.tier_wanted })) await dispatchFact(deps.handlers, fact);
    },
  };
}
