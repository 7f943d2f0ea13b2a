import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { scalarArray, textArray } from '../db/array-literal.js';
import { currentProgram, type ProgramVersion } from '../program/store.js';
import { groupByReviewWindow, reviewTiersOf, type ActivitySummary, type TierReviewDecision, type TierReviewOutcome, type TierReviewSubject } from '../tiers/index.js';
import { activitySummaries } from './activity.js';

const PAGE = 5000;

/** Pages of a sweep written at once: one per core of this machine's database, as its CPU is the bound. */
export const SWEEP_CONCURRENCY = 2;

/**
 * Runs `work` over pages of member ids, `concurrency` pages at a time. `nextPage(after)` finds the
 * next page by keyset (ids only, a cheap read that runs ahead of the writes); pages are disjoint, so
 * their writes never wait on each other. The first error stops the sweep (after the pages in flight
 * finish); a rerun carries on, as every sweep is idempotent.
 */
export async function parallelPages(nextPage: (after: string) => Promise<string[]>, work: (ids: string[]) => Promise<void>, concurrency = SWEEP_CONCURRENCY): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let after = '';
  for (;;) {
    const ids = await nextPage(after);
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const page: Promise<void> = work(ids).then(
      () => void inFlight.delete(page),
      (err: unknown) => {
        inFlight.delete(page);
        failure ??= err;
      },
    );
    inFlight.add(page);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure !== undefined) break;
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

/** deadlock_detected, serialization_failure: the transaction did nothing; running it again is safe. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '40P01' || code === '40001';
}

/** Runs one self-contained statement or transaction again (up to 5 times) when PostgreSQL undid it for a deadlock. */
async function retryingDeadlocks<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 5 || !isRetryable(err)) throw err;
    }
  }
}

export interface ExpiryCounts {
  expiredPoints: number;
  expiredLots: number;
  members: number;
}

/**
 * Expires every lot due by `asOf` (and, under the inactivity policy, every lot of members whose
 * inactivity deadline passed) as set-based SQL, pages of members in parallel: per page one
 * transaction locks the members (bumping their ledger version), then one statement writes the
 * expire entries and allocations, zeroes the lots and updates the cached balances. Each entry is dated at the instant its points expired — the lot's
 * `expiresAt`, or the inactivity deadline (the end of the local day `months` after the last
 * activity, in the program's zone) — and `created_at` records the sweep (`asOf`). Entry keys are
 * `expire:<lot>:<n>`, n counting the lot's expiries (`lots.expirations`, raised in the same
 * statement): a lot can expire again once points came back to it (a redemption cancelled after
 * the member returned from inactivity), and a rerun (or a crash and rerun) writes nothing twice, as
 * an expired lot has nothing left. Keys from before migration 0055 are `expire:<lot>`.
 */
export async function expirePoints(pool: Pool, asOf: Date): Promise<ExpiryCounts> {
  const program = await currentProgram(pool);
  const expiry = program.definition.expiry;
  const inactivityMonths = expiry.type === 'inactivity' ? expiry.months : null;
  const totals: ExpiryCounts = { expiredPoints: 0, expiredLots: 0, members: 0 };
  // When a member's points expire for inactivity (the SQL twin of `inactivityExpiresAt`).
  // `lastActivity`: the member's last activity (member_balances since migration 0052), `m` has joined_at.
  const deadlineOf = (lastActivity: string) => `CASE WHEN $3::int IS NULL THEN NULL ELSE
      ((date_trunc('day', coalesce(${lastActivity}, m.joined_at) AT TIME ZONE $4) + make_interval(months => $3::int) + interval '1 day') AT TIME ZONE $4) END`;
  const dueOf = (lastActivity: string) => `l.kind = 'points' AND l.status = 'active' AND l.remaining_points > 0 AND (l.expires_at <= $1 OR ${deadlineOf(lastActivity)} <= $1)`;
  await parallelPages(
    async (after) =>
      (
        await pool.query<{ id: string }>(
          // `l.member_id > $2` too: else a merge join reads every lot before the page, each page.
          `SELECT m.id FROM members m LEFT JOIN member_balances b ON b.member_id = m.id
            WHERE m.id > $2 AND EXISTS (SELECT 1 FROM lots l WHERE l.member_id = m.id AND l.member_id > $2 AND ${dueOf('b.last_activity_at')}) ORDER BY m.id LIMIT $5`,
          [asOf, after, inactivityMonths, program.definition.timeZone, PAGE],
        )
      ).rows.map((r) => r.id),
    async (ids) => {
      // Every table is reached through its index by the page's keys: `= ANY(ARRAY(SELECT …))` has
      // no size the planner can see, so it probes the index instead of hashing a scan of the whole
      // table — with a plain join it scanned all members and all lots (twice each) for every page,
      // which made the sweep quadratic in the number of members. A page's due lots are read per
      // member (LATERAL … OFFSET 0: an index probe of lots_open_idx for each): joined to the page
      // instead, once ANALYZE had seen the table the planner joined the page's 5,000 members to its
      // 5,000 lots by a nested loop over a materialized list — 25 million comparisons a page (7 s
      // instead of 0.3 s at 1,000,000 members).
      // Two statements in one transaction. The first locks the members' balance rows, which carry
      // the ledger version since migration 0052 (the wide members row is only read; `balances`
      // bumps the version of every member whose points expire, so the event path's optimistic
      // guard then sees the change): the index scan over the array takes the locks in id order, as
      // the event path does. Only then does the
      // second read the members and their lots, with a snapshot taken after the locks: in one
      // statement the lots were read as of the statement's start, so a writer that held a member's
      // row and changed its lots before the page got the lock (a spend from a due lot) made the
      // page expire points that were no longer there (test sweeps-concurrency). With the locks
      // held first, two sweeps cannot both find a lot due, so its key `expire:<lot>:<n>` is new and
      // the entries go in without ON CONFLICT. A deadlock (another writer's order) undoes the
      // transaction; the page is then run again.
      const { rows } = await retryingDeadlocks(() => withTransaction(pool, async (client) => {
        await client.query(`SELECT 1 FROM member_balances b WHERE b.member_id = ANY(ARRAY(SELECT unnest($1::text[]))) ORDER BY b.member_id FOR UPDATE`, [ids]);
        return await client.query<{ lots: number; points: number; members: number }>(
          `WITH page AS (
             SELECT m.id, b.last_activity_at, m.joined_at
               FROM members m JOIN member_balances b ON b.member_id = m.id
              WHERE m.id = ANY(ARRAY(SELECT unnest($2::text[]))) AND b.member_id = ANY(ARRAY(SELECT unnest($2::text[])))
           ),
           due AS (
             SELECT l.id, l.member_id, l.remaining_points, l.expired_at, l.occurrence
               FROM page m CROSS JOIN LATERAL (
                 SELECT l.id, l.member_id, l.remaining_points, least(l.expires_at, ${deadlineOf('m.last_activity_at')}) AS expired_at, l.expirations + 1 AS occurrence
                   FROM lots l WHERE l.member_id = m.id AND ${dueOf('m.last_activity_at')} OFFSET 0
               ) l
           ),
           entries AS (
             INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, at, source, program_version, reason, created_at)
             SELECT 'expire:' || id || ':' || occurrence, member_id, 'expire', -remaining_points, expired_at, 'system', $5, 'expiry', $1
               FROM due
             RETURNING seq, idempotency_key, member_id, amount
           ),
           -- The lot's id is the key between 'expire:' and the last ':' (lot ids may hold ':').
           expired AS (
             SELECT seq, left(substr(idempotency_key, 8), -strpos(reverse(idempotency_key), ':')) AS lot_id, member_id, amount FROM entries
           ),
           allocations AS (
             INSERT INTO lot_allocations (entry_seq, lot_id, points)
             SELECT seq, lot_id, amount FROM expired
           ),
           zeroed AS (
             UPDATE lots SET remaining_points = 0, expirations = expirations + 1 WHERE lots.id = ANY(ARRAY(SELECT lot_id FROM expired))
           ),
           per_member AS (
             SELECT member_id, sum(-amount) AS points, count(*) AS lots FROM entries GROUP BY member_id
           ),
           balances AS (
             UPDATE member_balances b SET available = b.available - p.points, ledger_version = b.ledger_version + 1, updated_at = now()
               FROM per_member p WHERE b.member_id = p.member_id
           )
           SELECT coalesce((SELECT sum(lots) FROM per_member), 0)::bigint AS lots,
                  coalesce((SELECT sum(points) FROM per_member), 0)::bigint AS points,
                  (SELECT count(*) FROM per_member)::bigint AS members`,
          [asOf, ids, inactivityMonths, program.definition.timeZone, program.version],
        );
      }));
      totals.expiredLots += rows[0]!.lots;
      totals.expiredPoints += rows[0]!.points;
      totals.members += rows[0]!.members;
    },
  );
  return totals;
}

/** Pending points whose return window closed by `asOf` become spendable (set-based). */
export async function activatePendingPoints(pool: Pool, asOf: Date): Promise<{ lots: number; points: number }> {
  const { rows } = await pool.query<{ lots: number; points: number }>(
    `WITH due_members AS (
       SELECT b.member_id AS id FROM member_balances b
        WHERE EXISTS (SELECT 1 FROM lots l WHERE l.member_id = b.member_id AND l.status = 'pending' AND l.pending_until <= $1)
        FOR UPDATE OF b
     ),
     activated AS (
       UPDATE lots SET status = 'active' FROM due_members d
        WHERE lots.member_id = d.id AND lots.status = 'pending' AND lots.pending_until <= $1
       RETURNING lots.member_id, lots.remaining_points
     ),
     per_member AS (SELECT member_id, sum(remaining_points) AS points, count(*) AS lots FROM activated GROUP BY member_id),
     balances AS (
       UPDATE member_balances b SET available = b.available + p.points, pending = b.pending - p.points, ledger_version = b.ledger_version + 1, updated_at = now()
         FROM per_member p WHERE b.member_id = p.member_id
     )
     SELECT coalesce(sum(lots), 0)::bigint AS lots, coalesce(sum(points), 0)::bigint AS points FROM per_member`,
    [asOf],
  );
  return rows[0]!;
}

/**
 * A timestamptz column as epoch milliseconds (float8, exact below 2^53): the whole milliseconds
 * pg's own Date parser keeps (it drops the microseconds), without the text timestamp.
 */
function epochMsSql(column: string): string {
  return `floor(extract(epoch FROM ${column}) * 1000)::float8`;
}

/** Epoch milliseconds back to a timestamptz, exactly (integer milliseconds × an interval). */
function fromEpochMsSql(ms: string): string {
  return `('epoch'::timestamptz + ${ms} * interval '1 millisecond')`;
}

export type ReviewCounts = Record<TierReviewOutcome, number> & { reviewed: number };

/**
 * Reviews every member whose review is due by `asOf`, pages of members in parallel (`parallelPages`):
 * per page, under the members' row locks and then their balance rows' (the rule of migration 0052),
 * grouped queries summarize activity, the pure `reviewTiersOf` decides, and one statement writes
 * the outcomes: the review row of each member, its balance row (the next review and the grace,
 * migrations 0075–0076, and the ledger version) and the members row only where the tier moved. Review rows
 * and tier-change rows are keyed by member and review instant, so a rerun changes nothing twice.
 */
export async function reviewTiers(pool: Pool, asOf: Date): Promise<ReviewCounts> {
  const program = await currentProgram(pool);
  const counts: ReviewCounts = { reviewed: 0, kept: 0, upgraded: 0, downgraded: 0, grace_started: 0, in_grace: 0 };
  for (let round = 0; round < 100; round += 1) {
    let reviewedThisRound = 0;
    await parallelPages(
      async (after) =>
        (
          await pool.query<{ member_id: string }>(`SELECT member_id FROM member_balances WHERE next_review_at <= $1 AND member_id > $2 ORDER BY member_id LIMIT $3`, [
            asOf,
            after,
            PAGE,
          ])
        ).rows.map((r) => r.member_id),
      async (ids) => {
        // A deadlock (an event writer takes the balance row before the member row) undoes the
        // page's transaction; it is then run again.
        const outcomes = await retryingDeadlocks(() => withTransaction(pool, (client) => reviewPage(client, program, ids, asOf)));
        for (const outcome of outcomes) counts[outcome] += 1;
        counts.reviewed += outcomes.length;
        reviewedThisRound += outcomes.length;
      },
    );
    // A member whose next review is still due (asOf far past several reviews) goes round again.
    if (reviewedThisRound === 0) break;
  }
  return counts;
}

/** The members row changes only when the tier or its start moves (the schedule and the grace are on the balance row). */
function memberRowChanges(member: TierReviewSubject, decision: TierReviewDecision): boolean {
  return decision.toTierId !== member.tierId || decision.tierStartedAt.getTime() !== member.tierStartedAt.getTime();
}

/** One page of the review, under the members' and their balance rows' locks: grouped reads, one pure decision for the page, one write. */
async function reviewPage(client: PoolClient, program: ProgramVersion, ids: readonly string[], asOf: Date): Promise<TierReviewOutcome[]> {
  // Each statement of the page reaches its rows through indexes by the page's ids: with a page of
  // 5,000 known ids the planner prefers hashing a scan of the whole table (members, entries) up to
  // about a million rows, which made every page cost as much as the table — the sweep quadratic.
  // JIT off: with those paths disabled the estimates pass jit_above_cost, and compiling cost 40–100 ms a statement.
  await client.query(
    `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true)`,
  );
  // Locks, in id order (the members' primary key, then each balance row by its key: a join
  // condition on both sides' ids made the planner scan every due balance row per member): each
  // member row, then its balance row (which carries the ledger version, the review schedule and
  // the grace). A row that changed while the page waited for it is read again as of its
  // lock, and dropped if no longer due (an event may have moved the member's review). The version
  // is bumped by the write below, before commit: an event written meanwhile with what it read
  // before then retries instead of overwriting the review.
  // Only what the review reads (not the profile's JSON columns). Instants travel as epoch
  // milliseconds both ways (`epochMsSql` / `fromEpochMsSql`): pg's text timestamps cost more Node CPU
  // to parse and format than the review's decision does.
  const { rows } = await client.query<{ id: string; tier_id: string; tier_started_at: number; joined_at: number; manual_tier_id: string | null; grace_until: number | null; next_review_at: number }>(
    `SELECT m.id, m.tier_id, ${epochMsSql('m.tier_started_at')} AS tier_started_at, ${epochMsSql('m.joined_at')} AS joined_at, m.manual_tier_id,
            ${epochMsSql('b.grace_until')} AS grace_until, ${epochMsSql('b.next_review_at')} AS next_review_at
       FROM members m JOIN member_balances b ON b.member_id = m.id
      WHERE m.id = ANY(ARRAY(SELECT unnest($1::text[]))) AND b.next_review_at <= $2
      ORDER BY m.id FOR UPDATE OF m, b`,
    [textArray(ids), asOf],
  );
  if (rows.length === 0) return [];
  const members: TierReviewSubject[] = rows.map((r) => ({
    id: r.id,
    tierId: r.tier_id,
    tierStartedAt: new Date(r.tier_started_at),
    joinedAt: new Date(r.joined_at),
    manualTierId: r.manual_tier_id,
    graceUntil: r.grace_until === null ? null : new Date(r.grace_until),
    nextReviewAt: new Date(r.next_review_at),
  }));
  const summaries = new Map<string, ActivitySummary>();
  for (const group of groupByReviewWindow(program.definition, members)) {
    for (const [id, s] of await activitySummaries(client, program.definition, group.ids, group.window)) summaries.set(id, s);
  }
  const decisions = reviewTiersOf(program.definition, members, summaries);
  const updates = members.map((member, i) => ({ member, decision: decisions[i]! }));
  const moved = updates.filter((u) => memberRowChanges(u.member, u.decision));
  // Every outcome is recorded (tier_reviews), kept tiers and grace included: the tiers report's
  // movement matrix counts them. Every reviewed member's balance row gets its next review, its grace
  // and a new ledger version; the wide members row only where the tier changes.
  await client.query(
    `WITH reviewed AS (
       INSERT INTO tier_reviews (member_id, reviewed_at, from_tier, to_tier, outcome, program_version)
       SELECT id, ${fromEpochMsSql('reviewed_at')}, from_tier, tier_id, outcome, $6
         FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[]) AS r(id, reviewed_at, from_tier, tier_id, outcome)
       ON CONFLICT (member_id, reviewed_at) DO NOTHING
     ),
     scheduled AS (
       UPDATE member_balances b SET next_review_at = ${fromEpochMsSql('u.next_review_at')}, grace_until = ${fromEpochMsSql('u.grace_until')}, ledger_version = b.ledger_version + 1
         FROM unnest($1::text[], $7::float8[], $8::float8[]) AS u(id, next_review_at, grace_until)
        WHERE b.member_id = u.id
     )
     UPDATE members SET tier_id = u.tier_id, tier_started_at = ${fromEpochMsSql('u.tier_started_at')}, updated_at = now()
       FROM unnest($9::text[], $10::text[], $11::float8[]) AS u(id, tier_id, tier_started_at)
      WHERE members.id = u.id`,
    // Array literals built in one pass (`array-literal.ts`): node-postgres' per-element encoding cost
    // ~6 µs per reviewed member for these arrays, the one-pass literals ~2.5 µs.
    [
      textArray(updates.map((u) => u.member.id)),
      scalarArray(updates.map((u) => u.member.nextReviewAt.getTime())),
      textArray(updates.map((u) => u.decision.fromTierId)),
      textArray(updates.map((u) => u.decision.toTierId)),
      textArray(updates.map((u) => u.decision.outcome)),
      program.version,
      scalarArray(updates.map((u) => u.decision.nextReviewAt.getTime())),
      scalarArray(updates.map((u) => u.decision.graceUntil?.getTime() ?? null)),
      textArray(moved.map((u) => u.member.id)),
      textArray(moved.map((u) => u.decision.toTierId)),
      scalarArray(moved.map((u) => u.decision.tierStartedAt.getTime())),
    ],
  );
  const changed = updates.filter((u) => u.decision.changed);
  if (changed.length > 0) {
    await client.query(
      `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key)
       SELECT u.member_id, u.from_tier, u.to_tier, u.reason, u.at, $6, 'review:' || u.member_id || ':' || to_char(u.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
         FROM (SELECT r.member_id, r.from_tier, r.to_tier, r.reason, ${fromEpochMsSql('r.at_ms')} AS at
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[]) AS r(member_id, from_tier, to_tier, reason, at_ms)) u
       ON CONFLICT (review_key) DO NOTHING`,
      [
        changed.map((u) => u.member.id),
        changed.map((u) => u.decision.fromTierId),
        changed.map((u) => u.decision.toTierId),
        changed.map((u) => (u.decision.outcome === 'downgraded' ? 'review_downgrade' : `review_${u.decision.reason}`)),
        changed.map((u) => u.member.nextReviewAt.getTime()),
        program.version,
      ],
    );
  }
  return updates.map((u) => u.decision.outcome);
}
