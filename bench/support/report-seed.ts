/**
 * Seeds a program's year of history for the reports benchmark, server-side and deterministic
 * (every value a hash of its row number): members, purchases with items, refunds of single items,
 * other events, their ledger entries (pending purchase points with their lots, tier bonuses,
 * actions, redemptions, expiries, reversals and cancellations, adjustments, awards), tier reviews
 * and changes, win-backs, campaigns with their messages, mission enrollments and contest
 * contributions. Triggers and foreign keys are off while seeding (session_replication_role =
 * replica) and every index (keys included) is built once after the rows are in; the rollups are
 * rebuilt from the ledger afterwards, as after any bulk import.
 */
import type pg from 'pg';

const SEEDED_TABLES = [
  'members', 'events', 'event_items', 'ledger_entries', 'lots', 'lot_allocations', 'tier_reviews', 'tier_changes', 'winbacks',
  'campaign_members', 'messages', 'mission_enrollments', 'contest_contributions',
];

export interface SeedSize {
  members: number;
  entries: number;
}

/** The year every seeded fact falls in, in the reference program's zone (Asia/Tehran). */
export const SEED_YEAR = { from: '2025-01-01', to: '2025-12-31', start: '2025-01-01T00:00:00+03:30', end: '2026-01-01T00:00:00+03:30' };

export interface SeedCounts {
  purchases: number;
  actions: number;
  redemptions: number;
  expiries: number;
  refunds: number;
  adjustments: number;
  awards: number;
}

export function seedCounts(size: SeedSize): SeedCounts {
  const e = size.entries;
  return {
    purchases: Math.round(e * 0.4),
    actions: Math.round(e * 0.27),
    redemptions: Math.round(e * 0.1),
    expiries: Math.round(e * 0.06),
    refunds: Math.round(e * 0.03),
    adjustments: Math.round(e * 0.01),
    awards: Math.round(e * 0.01),
  };
}

// Deterministic "random" numbers in [0, 1) from a row number and a salt; the seeded shapes.
const FUNCTIONS = `
CREATE FUNCTION pg_temp.h(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (hashint8(i * 64 + salt) & 2147483647)::float8 / 2147483648;
CREATE FUNCTION pg_temp.tier(m bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN pg_temp.h(m, 1) < 0.70 THEN 'bronze' WHEN pg_temp.h(m, 1) < 0.90 THEN 'silver' WHEN pg_temp.h(m, 1) < 0.98 THEN 'gold' ELSE 'diamond' END;
CREATE FUNCTION pg_temp.bonus(tier text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE tier WHEN 'silver' THEN 10 WHEN 'gold' THEN 15 WHEN 'diamond' THEN 30 ELSE 0 END;
CREATE FUNCTION pg_temp.lines(k bigint) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 1 + floor(pg_temp.h(k, 6) * 3)::int;
CREATE FUNCTION pg_temp.sku(k bigint, j int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN floor(5000 * pg_temp.h(k * 8 + j, 7) ^ 2)::int;
CREATE FUNCTION pg_temp.qty(k bigint, j int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 1 + floor(pg_temp.h(k * 8 + j, 8) * 3)::int;
CREATE FUNCTION pg_temp.price(s int) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN (1 + s % 40) * 25000;
CREATE FUNCTION pg_temp.at(k bigint, salt int) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN timestamptz '${SEED_YEAR.start}' + pg_temp.h(k, salt) * interval '365 days';
`;

export async function seedReportHistory(db: pg.Client, size: SeedSize, progress: (step: string, ms: number) => void): Promise<SeedCounts> {
  const c = seedCounts(size);
  const M = size.members;
  const P = c.purchases;
  await db.query(`SET session_replication_role = replica; SET maintenance_work_mem = '512MB'`);
  // The throwaway bench server checkpointed every ~550 MB of WAL (max_wal_size 1 GB) while seeding.
  await db.query(`ALTER SYSTEM SET max_wal_size = '8GB'`);
  await db.query(`SELECT pg_reload_conf()`);
  await db.query(FUNCTIONS);
  // Secondary indexes are dropped while the rows go in and built once afterwards (a bulk load's
  // usual way: one sort per index instead of a random insert per row). Constraint indexes stay.
  const { rows: indexes } = await db.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
    [SEEDED_TABLES],
  );
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);
  // Primary keys and unique constraints too (their indexes are built once at the end, by a sort),
  // and so the foreign keys that lean on them: re-added NOT VALID (the seed makes consistent rows;
  // PostgreSQL checks new rows against them as usual).
  const { rows: constraints } = await db.query<{ table: string; name: string; def: string; type: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS def, contype AS type FROM pg_constraint
      WHERE contype IN ('p', 'u', 'f') AND (conrelid::regclass::text = ANY($1::text[]) OR (contype = 'f' AND confrelid::regclass::text = ANY($1::text[])))
      ORDER BY contype = 'f' DESC`,
    [SEEDED_TABLES],
  );
  for (const c of constraints) await db.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`);
  const step = async (name: string, sql: string, values: unknown[] = []) => {
    const t0 = performance.now();
    await db.query(sql, values);
    progress(name, performance.now() - t0);
  };
  await step(
    `${M} members`,
    `INSERT INTO members (id, tier_id, joined_at, tier_started_at)
     SELECT 'm' || i, pg_temp.tier(i), j, j
       FROM (SELECT i, timestamptz '2024-01-01 00:00+03:30' + pg_temp.h(i, 2) * interval '730 days' AS j FROM generate_series(1::bigint, ${M}) i) x`,
  );
  // Purchases and their lines once, in temporary tables every later step joins.
  await step(
    `${P} purchases' lines (temporary)`,
    `CREATE TEMP TABLE seed_lines AS
     SELECT k, j - 1 AS line, s AS sku, pg_temp.qty(k, j) AS qty, pg_temp.price(s) AS price
       FROM generate_series(1::bigint, ${P}) k CROSS JOIN LATERAL generate_series(1, pg_temp.lines(k)) j CROSS JOIN LATERAL (SELECT pg_temp.sku(k, j) AS s) y`,
  );
  await step(
    'purchases (temporary)',
    `CREATE TEMP TABLE seed_purchases AS
     SELECT k, 'm' || m AS member_id, pg_temp.tier(m) AS tier, pg_temp.at(k, 4) AS at, amount, amount / 100000 * 10 AS points,
            CASE WHEN pg_temp.h(k, 5) < 0.1 THEN 'partner:acme' ELSE 'api' END AS source
       FROM (SELECT k, sum(qty * price)::bigint AS amount FROM seed_lines GROUP BY k) a
       CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.h(k, 3) * ${M})::bigint AS m) b;
     CREATE UNIQUE INDEX ON seed_purchases (k); ANALYZE seed_purchases; ANALYZE seed_lines`,
  );
  await step(
    `${P} purchases`,
    `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, source, program_version, result)
     SELECT 'p' || k, 'p' || k, member_id, 'purchase', at, amount, 'o' || k, source, 1, jsonb_build_object('tier', jsonb_build_object('from', tier))
       FROM seed_purchases`,
  );
  await step(
    'purchase items',
    `INSERT INTO event_items (event_id, line, member_id, type, order_id, occurred_at, sku, name, category, brand, quantity, unit_price, amount, points)
     SELECT 'p' || l.k, l.line, p.member_id, 'purchase', 'o' || l.k, p.at, 'SKU-' || l.sku, 'Product ' || l.sku, 'cat-' || (l.sku % 50), 'brand-' || (l.sku % 200),
            l.qty, l.price, l.qty * l.price, 0
       FROM seed_lines l JOIN seed_purchases p USING (k)`,
  );
  // Refund n returns the first line of purchase k, 1–30 days later.
  await step(
    'refunds (temporary)',
    `CREATE TEMP TABLE seed_refunds AS
     SELECT n, p.k, p.member_id, p.tier, p.at AS bought, p.at + (1 + pg_temp.h(n, 10) * 29) * interval '1 day' AS at, l.sku, l.qty, l.price, l.qty * l.price AS amount,
            greatest(1, p.points * l.qty * l.price / p.amount) AS points, p.points AS purchase_points
       FROM generate_series(1::bigint, ${c.refunds}) n
       JOIN seed_purchases p ON p.k = 1 + floor(pg_temp.h(n, 9) * ${P})::bigint
       JOIN seed_lines l ON l.k = p.k AND l.line = 0`,
  );
  await step(
    `${c.refunds} refunds`,
    `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, source, program_version, result)
     SELECT 'r' || n, 'r' || n, member_id, 'refund', at, amount, 'o' || k, 'api', 1, jsonb_build_object('tier', jsonb_build_object('from', tier))
       FROM seed_refunds`,
  );
  await step(
    'refund items',
    `INSERT INTO event_items (event_id, line, member_id, type, order_id, occurred_at, sku, name, category, brand, quantity, unit_price, amount, points, purchase_line)
     SELECT 'r' || n, 0, member_id, 'refund', 'o' || k, at, 'SKU-' || sku, 'Product ' || sku, 'cat-' || (sku % 50), 'brand-' || (sku % 200), qty, price, amount, -points, 0
       FROM seed_refunds`,
  );
  await step(
    `${c.actions} other events`,
    `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, source, program_version, result)
     SELECT 'a' || n, 'a' || n, 'm' || m, CASE WHEN pg_temp.h(n, 12) < 0.5 THEN 'review' ELSE 'login' END, pg_temp.at(n, 13), 'api', 1,
            jsonb_build_object('tier', jsonb_build_object('from', pg_temp.tier(m)))
       FROM (SELECT n, 1 + floor(pg_temp.h(n, 11) * ${M})::bigint AS m FROM generate_series(1::bigint, ${c.actions}) n) x`,
  );

  // Ledger entries in seq ranges: purchase base points (pending 14 days), tier bonuses, actions,
  // redemptions, expiries, refund reversals (cancellations inside the window), adjustments, awards.
  let seq = 0;
  const range = (n: number) => {
    const from = seq;
    seq += n;
    return from;
  };
  const base0 = range(P);
  await step(
    'purchase points (pending)',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component, order_id, source, program_version)
     SELECT ${base0} + k, 'p' || k || ':purchase:base', member_id, 'earn', points, points, true, at, 'p' || k, 'purchase', 'base', 'o' || k, source, 1
       FROM seed_purchases WHERE points > 0`,
  );
  const bonus0 = range(P);
  await step(
    'tier bonus points (pending)',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, pending, at, event_id, rule_id, component, order_id, source, program_version)
     SELECT ${bonus0} + k, 'p' || k || ':purchase:tier_bonus', member_id, 'earn', points * pg_temp.bonus(tier) / 100, true, at, 'p' || k, 'purchase', 'tier_bonus', 'o' || k, source, 1
       FROM seed_purchases WHERE points * pg_temp.bonus(tier) / 100 > 0`,
  );
  await step(
    'lots and allocations of pending points',
    `WITH pending AS (SELECT seq, idempotency_key, member_id, amount, at, order_id, rule_id FROM ledger_entries WHERE pending AND kind = 'earn'),
          lots_in AS (
            INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points, order_id, rule_id)
            SELECT idempotency_key, member_id, 'points', 'active', at, at + interval '12 months', at + interval '14 days', amount, amount, order_id, rule_id FROM pending
          )
     INSERT INTO lot_allocations (entry_seq, lot_id, points) SELECT seq, idempotency_key, amount FROM pending`,
  );
  const action0 = range(c.actions);
  await step(
    'action points',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, qualifying_points, at, event_id, rule_id, component, source, program_version)
     SELECT ${action0} + n, 'a' || n || ':base', 'm' || (1 + floor(pg_temp.h(n, 11) * ${M})::bigint), 'earn', CASE WHEN pg_temp.h(n, 12) < 0.5 THEN 5 ELSE 1 END,
            CASE WHEN pg_temp.h(n, 12) < 0.5 THEN 5 ELSE 1 END, pg_temp.at(n, 13), 'a' || n, CASE WHEN pg_temp.h(n, 12) < 0.5 THEN 'review' ELSE 'app-login' END, 'base', 'api', 1
       FROM generate_series(1::bigint, ${c.actions}) n`,
  );
  const redeem0 = range(c.redemptions);
  await step(
    'redemptions',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, at, reward_id, source, program_version)
     SELECT ${redeem0} + n, 'red:' || n, 'm' || (1 + floor(pg_temp.h(n, 14) * ${M})::bigint), 'redeem', CASE WHEN pg_temp.h(n, 15) < 0.7 THEN -40 ELSE -100 END,
            pg_temp.at(n, 16), CASE WHEN pg_temp.h(n, 15) < 0.7 THEN 'free-shipping' ELSE 'discount-50k' END, 'api', 1
       FROM generate_series(1::bigint, ${c.redemptions}) n`,
  );
  const expire0 = range(c.expiries);
  await step(
    'expiries (daily sweeps at 00:15)',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, at, source, program_version, reason)
     SELECT ${expire0} + n, 'expire:' || n, 'm' || (1 + floor(pg_temp.h(n, 17) * ${M})::bigint), 'expire', -(10 + floor(pg_temp.h(n, 18) * 190))::bigint,
            timestamptz '${SEED_YEAR.start}' + floor(pg_temp.h(n, 19) * 365) * interval '1 day' + interval '15 minutes', 'system', 1, 'expiry'
       FROM generate_series(1::bigint, ${c.expiries}) n`,
  );
  const reverse0 = range(c.refunds);
  // A refund within 14 days cancels pending points of the purchase's base lot; later ones reverse.
  await step(
    'refund reversals and cancellations',
    `WITH entries AS (
       INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, order_id, source, program_version)
       SELECT ${reverse0} + n, 'r' || n || ':reverse', member_id, 'reverse', -points, -points, at < bought + interval '14 days', at, 'r' || n, 'purchase', 'o' || k, 'api', 1
         FROM seed_refunds WHERE purchase_points > 0
       RETURNING seq, pending, amount, order_id
     )
     INSERT INTO lot_allocations (entry_seq, lot_id, points)
     SELECT e.seq, 'p' || substr(e.order_id, 2) || ':purchase:base', e.amount FROM entries e WHERE e.pending`,
  );
  const adjust0 = range(c.adjustments);
  await step(
    'adjustments',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, at, source, program_version, actor, reason)
     SELECT ${adjust0} + n, 'adj:' || n, 'm' || (1 + floor(pg_temp.h(n, 20) * ${M})::bigint), 'adjust',
            CASE WHEN pg_temp.h(n, 21) < 0.8 THEN 50 ELSE -20 END, pg_temp.at(n, 22), 'admin', 1, 'support', 'goodwill'
       FROM generate_series(1::bigint, ${c.adjustments}) n`,
  );
  const award0 = range(c.awards);
  await step(
    'awards (missions, contests)',
    `INSERT INTO ledger_entries (seq, idempotency_key, member_id, kind, amount, at, source, program_version, reason)
     SELECT ${award0} + n, 'award:' || n, 'm' || (1 + floor(pg_temp.h(n, 23) * ${M})::bigint), 'earn', 20,
            pg_temp.at(n, 24), CASE WHEN n % 4 = 0 THEN 'contest:k' || (n % 12) ELSE 'mission:mi' || (n % 5) END, 1, 'award'
       FROM generate_series(1::bigint, ${c.awards}) n`,
  );
  await db.query(`SELECT setval('ledger_entries_seq_seq', ${seq + 1})`);

  // Tiers: one review of everyone at Nowruz, upgrades as points are earned, demotions' win-backs.
  await step(
    'tier reviews',
    `INSERT INTO tier_reviews (member_id, reviewed_at, from_tier, to_tier, outcome, program_version)
     SELECT 'm' || i, timestamptz '2025-03-21 00:45+03:30', pg_temp.tier(i),
            CASE WHEN o = 'downgraded' THEN (CASE pg_temp.tier(i) WHEN 'diamond' THEN 'gold' WHEN 'gold' THEN 'silver' ELSE 'bronze' END)
                 WHEN o = 'upgraded' THEN (CASE pg_temp.tier(i) WHEN 'bronze' THEN 'silver' WHEN 'silver' THEN 'gold' ELSE 'diamond' END)
                 ELSE pg_temp.tier(i) END, o, 1
       FROM (SELECT i, CASE WHEN pg_temp.h(i, 25) < 0.05 AND pg_temp.tier(i) <> 'bronze' THEN 'downgraded' WHEN pg_temp.h(i, 25) < 0.08 THEN 'upgraded'
                            WHEN pg_temp.h(i, 25) < 0.12 THEN 'grace_started' ELSE 'kept' END AS o FROM generate_series(1::bigint, ${M}) i) x`,
  );
  await step(
    'tier changes',
    `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, at, program_version, review_key)
     SELECT member_id, from_tier, to_tier, CASE outcome WHEN 'downgraded' THEN 'review_downgrade' ELSE 'review_qualified_higher' END, reviewed_at, 1, 'review:' || member_id
       FROM tier_reviews WHERE outcome IN ('downgraded', 'upgraded')
     UNION ALL
     SELECT 'm' || (1 + floor(pg_temp.h(n, 26) * ${M})::bigint), 'bronze', 'silver', 'upgrade', pg_temp.at(n, 27), 1, 'event:u' || n
       FROM generate_series(1::bigint, ${Math.round(M * 0.2)}) n`,
  );
  await step(
    'win-backs',
    `INSERT INTO winbacks (id, member_id, tier_change_id, from_tier, to_tier, demoted_at, status, ended_at)
     SELECT 'winback:' || id, member_id, id, from_tier, to_tier, at, (ARRAY['active', 'regained', 'lapsed'])[1 + id % 3], CASE WHEN id % 3 = 0 THEN NULL ELSE at + interval '60 days' END
       FROM tier_changes WHERE reason = 'review_downgrade'`,
  );

  // Campaigns: 10 of them, half a member in two entering one; missions; monthly contests.
  const entered = Math.round(M / 2);
  await step(
    'campaigns and their messages',
    `WITH c AS (
       INSERT INTO campaigns (id, name, family, definition, status, created_by)
       SELECT 'c' || i, 'Campaign ' || i, 'c' || i,
              ('{"variants": [{"key": "a"}, {"key": "b"}]' || CASE WHEN i % 2 = 0 THEN ', "goal": {"eventType": "purchase", "withinDays": 7}' ELSE '' END || '}')::jsonb,
              'completed', 'bench'
         FROM generate_series(0, 9) i RETURNING id
     ),
     cm AS (
       INSERT INTO campaign_members (campaign_id, member_id, bucket, holdout, variant, entered_at)
       SELECT 'c' || (n % 10), 'm' || (1 + (n * 7919) % ${M}), b, b < 1000, CASE WHEN b < 1000 THEN NULL WHEN b % 2 = 0 THEN 'a' ELSE 'b' END,
              timestamptz '${SEED_YEAR.start}' + (n % 10) * interval '36 days' + pg_temp.h(n, 29) * interval '2 days'
         FROM (SELECT n, floor(pg_temp.h(n, 28) * 10000)::int AS b FROM generate_series(1::bigint, ${entered}) n) x
       RETURNING campaign_id, member_id, holdout, entered_at
     )
     INSERT INTO messages (id, channel, kind, member_id, status, category, campaign_id, created_at)
     SELECT 'campaign.' || campaign_id || '.0.' || member_id, 'email', 'campaign', member_id,
            (ARRAY['sent', 'sent', 'sent', 'sent', 'sent', 'sent', 'capped', 'suppressed', 'failed', 'dead'])[1 + (hashtext(member_id) & 2147483647) % 10], 'marketing', campaign_id, entered_at
       FROM cm WHERE NOT holdout`,
  );
  await step(
    'mission enrollments',
    `WITH m AS (INSERT INTO missions (id, name, definition, created_by) SELECT 'mi' || i, 'Mission ' || i, '{}', 'bench' FROM generate_series(0, 4) i RETURNING id)
     INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, status, progress, target, completed_at, created_at)
     SELECT 'mi' || (n % 5), 'm' || (1 + (n * 104729) % ${M}), 'p' || (n / ${M}), 'mission:mi' || (n % 5) || ':' || n, t, t + interval '30 days', 'event',
            CASE WHEN pg_temp.h(n, 31) < 0.3 THEN 'completed' WHEN pg_temp.h(n, 31) < 0.6 THEN 'expired' ELSE 'active' END, 1, 3,
            CASE WHEN pg_temp.h(n, 31) < 0.3 THEN t + pg_temp.h(n, 32) * interval '30 days' END, t
       FROM (SELECT n, pg_temp.at(n, 30) AS t FROM generate_series(1::bigint, ${entered}) n) x`,
  );
  await step(
    'contest contributions',
    `WITH k AS (
       INSERT INTO contests (id, name, definition, starts_at, ends_at, status, created_by)
       SELECT 'k' || i, 'Contest ' || i, '{"prizeBudget": 100000}', timestamptz '${SEED_YEAR.start}' + i * interval '30 days', timestamptz '${SEED_YEAR.start}' + (i + 1) * interval '30 days', 'closed', 'bench'
         FROM generate_series(0, 11) i RETURNING id
     )
     INSERT INTO contest_contributions (contest_id, event_id, member_id, delta, at)
     SELECT 'k' || least(11, floor(extract(epoch FROM t - timestamptz '${SEED_YEAR.start}') / (30 * 86400))::int), 'p' || n, 'm' || (1 + floor(pg_temp.h(n, 33) * ${M})::bigint), 1 + (n % 10), t
       FROM (SELECT n, pg_temp.at(n, 34) AS t FROM generate_series(1::bigint, ${M}) n) x`,
  );
  // Triggers are off while seeding: the running totals they keep are written from the rows.
  await step(
    'contest member totals',
    `INSERT INTO contest_member_totals (contest_id, member_id, score, contributions)
     SELECT contest_id, member_id, sum(delta), count(*) FROM contest_contributions GROUP BY contest_id, member_id`,
  );
  await db.query(`DROP TABLE seed_lines, seed_purchases, seed_refunds; SET session_replication_role = origin`);
  const t0 = performance.now();
  for (const c of [...constraints].reverse()) await db.query(`ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.def}${c.type === 'f' ? ' NOT VALID' : ''}`);
  progress(`${constraints.filter((c) => c.type !== 'f').length} keys built, ${constraints.filter((c) => c.type === 'f').length} foreign keys re-added`, performance.now() - t0);
  const t1 = performance.now();
  for (const index of indexes) await db.query(index.def);
  progress(`${indexes.length} secondary indexes built`, performance.now() - t1);
  await step('rollups rebuilt from the ledger', `SELECT rebuild_report_rollups()`);
  await step('campaign funnels from their sources', `SELECT campaign_funnel_rebuild()`);
  await step('campaign funnel rollup from the entries', `SELECT campaign_funnel_rollup_rebuild()`);
  await step('contest report rollups from the contributions', `SELECT contest_report_rollup_rebuild()`);
  await step('contest participant counts from the totals', `SELECT contest_participant_counts_rebuild()`);
  await step('sales rollups from the events and items', `SELECT rebuild_sales_rollups()`);
  await step('missions report rollup from the enrollments', `SELECT rebuild_mission_report_rollup()`);
  // The members/sales rollup (report_member_days and its year bitmaps): its trigger was off with the others.
  await step('tier segments from the tier changes', `SELECT report_tier_segments_rebuild()`);
  // The zone read first: a statement that reads report_member_days_zone cannot also TRUNCATE it (the
  // one-statement form failed with 55006 and left the rollup EMPTY on every seed since 9aead7c).
  const zone = (await db.query<{ zone: string }>(`SELECT zone FROM report_member_days_zone`)).rows[0]?.zone;
  if (zone) await step('member days and years from the events', `SELECT rebuild_report_member_days($1)`, [zone]);
  await step('VACUUM ANALYZE', `VACUUM ANALYZE`);
  return c;
}
