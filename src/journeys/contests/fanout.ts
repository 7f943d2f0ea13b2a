import type { Redis } from 'ioredis';
import type { Pool } from '../../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../../fanout/index.js';
import { findStoredEvent, type StoredEvent } from '../../ledger/index.js';
import { getMember } from '../../members/index.js';
import { resolveField } from '../../rules/index.js';
import { inAudience, inSegment } from '../missions/audience.js';
import { setLeaderboardScore, leaderboardKey } from './leaderboard.js';
import type { ContestRecord } from './store.js';
import { openContestsAt } from './store.js';

export interface ContestFanoutDeps {
  pool: Pool;
  redis: Redis;
  prefix: string;
}


/**
 * What an event adds to (or, for a refund, takes from) a member's contest score. A refund only
 * takes back what its order's purchase contributed to this contest, never more.
 */
async function contributionOf(pool: Pool, contest: ContestRecord, event: StoredEvent): Promise<number> {
  const metric = contest.definition.metric;
  if (event.type === 'refund') {
    if (metric.type === 'event_sum' || !event.order_id) return 0;
    const { rows } = await pool.query<{ contributed: number; taken: number; amount: number | null; undecided: number }>(
      `SELECT coalesce(sum(c.delta) FILTER (WHERE p.type = 'purchase'), 0)::bigint AS contributed,
              coalesce(-sum(c.delta) FILTER (WHERE p.type = 'refund'), 0)::bigint AS taken,
              max(p.amount) FILTER (WHERE p.type = 'purchase') AS amount,
              count(*) FILTER (WHERE p.type = 'purchase' AND c.event_id IS NULL AND p.occurred_at >= $5 AND p.occurred_at < $6)::int AS undecided
         FROM events p LEFT JOIN contest_contributions c ON c.contest_id = $1 AND c.event_id = p.id
        WHERE p.member_id = $2 AND p.order_id = $3 AND p.id <> $4`,
      [contest.id, event.member_id, event.order_id, event.id, contest.startsAt, contest.endsAt],
    );
    const row = rows[0]!;
    // The purchase's own job has not run yet (member events run concurrently): fail this one so it
    // is retried after it, instead of deciding that the refund takes nothing back.
    if (row.undecided > 0) throw new Error(`contest ${contest.id}: the purchase of order ${event.order_id} is not counted yet; retrying the refund after it`);
    const left = Number(row.contributed) - Number(row.taken);
    if (left <= 0) return 0;
    if (metric.type === 'points_earned') return -Math.min(left, event.result.refund?.clawback ?? 0);
    // purchase_count: the purchase stops counting once refunded in full.
    const refundedTotal = event.result.refund?.refundedTotal ?? 0;
    return row.amount !== null && refundedTotal >= Number(row.amount) ? -left : 0;
  }
  if (metric.type === 'points_earned') return Math.max(0, event.result.points?.total ?? 0);
  if (metric.type === 'purchase_count') return event.type === 'purchase' ? 1 : 0;
  if (event.type !== metric.eventType) return 0;
  const value = resolveField({ event: { amount: event.amount === null ? null : Number(event.amount), properties: event.properties }, member: {} }, metric.field);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * Bumps the boards of the contests open at the event's time. The contribution row is keyed by
 * (contest, event), so an event counts once; the board then gets the member's absolute total
 * and the time it was reached (the latest contributing event), so a retry is harmless.
 */
export function createContestFanoutHandler(deps: ContestFanoutDeps): FanoutHandler {
  return {
    name: 'contests',
    async handle(job: MemberEventJob): Promise<void> {
      const event = await findStoredEvent(deps.pool, job.eventId);
      if (!event) return;
      const contests = await openContestsAt(deps.pool, event.occurred_at);
      if (contests.length === 0) return;
      const member = await getMember(deps.pool, event.member_id);
      for (const contest of contests) {
        const eligible = inAudience(contest.definition.eligibility, member) && (await inSegment(deps.pool, contest.definition.segment, member.id, event.occurred_at));
        const delta = eligible ? await contributionOf(deps.pool, contest, event) : 0;
        // A row even for nothing: it records that this event was decided, which a later refund of
        // the same order waits for.
        await deps.pool.query(
          `INSERT INTO contest_contributions (contest_id, event_id, member_id, delta, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [contest.id, event.id, member.id, delta, event.occurred_at],
        );
        if (eligible) await refreshMemberOnBoard(deps, contest, member.id);
      }
    },
  };
}

export async function refreshMemberOnBoard(deps: ContestFanoutDeps, contest: ContestRecord, memberId: string): Promise<void> {
  const { rows } = await deps.pool.query<{ score: number | null; reached: Date | null }>(
    `SELECT sum(delta)::bigint AS score, max(at) FILTER (WHERE delta <> 0) AS reached FROM contest_contributions WHERE contest_id = $1 AND member_id = $2`,
    [contest.id, memberId],
  );
  const row = rows[0];
  if (!row?.reached) return;
  await setLeaderboardScore(deps.redis, leaderboardKey(deps.prefix, contest.id), memberId, Number(row.score ?? 0), row.reached.getTime(), {
    startsAtMs: contest.startsAt.getTime(),
    endsAtMs: contest.endsAt.getTime(),
  });
}
