import type { Pool, PoolClient } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { requiredMeasures, type ActivitySummary, type TimeWindow } from '../tiers/index.js';

/**
 * Activity summaries over `[window.start, window.end)` for many members, one grouped query per
 * source the qualification reads (ledger, events, balances): the tier review calls it for a page of
 * members, the event path for one.
 */
export async function activitySummaries(
  db: Pool | PoolClient,
  program: ProgramDefinition,
  memberIds: readonly string[],
  window: TimeWindow,
): Promise<Map<string, ActivitySummary>> {
  const measures = requiredMeasures(program);
  const sums = measures.flatMap((m) => (m.type === 'event_sum' ? [{ type: m.eventType, property: m.property }] : []));
  // Only what the program's qualification reads is queried (the common case is one query).
  const needsEvents = measures.some((m) => m.type === 'spend' || m.type === 'transaction_count' || m.type === 'event_count');
  const needsBalance = measures.some((m) => m.type === 'balance');
  const none = <T>() => Promise.resolve({ rows: [] as T[] });
  // Sequential on purpose: a PoolClient runs one query at a time anyway.
  const ledger = await
    db.query<{ member_id: string; rule_id: string | null; qualifying: number }>(
      `SELECT member_id, rule_id, sum(qualifying_points)::bigint AS qualifying
         FROM ledger_entries
        WHERE member_id = ANY($1::text[]) AND at >= $2 AND at < $3 AND qualifying_points <> 0
        GROUP BY member_id, rule_id`,
      [memberIds, window.start, window.end],
    );
  const events = !needsEvents
    ? await none<{ member_id: string; type: string; n: number; amount: number }>()
    : await db.query<{ member_id: string; type: string; n: number; amount: number }>(
      `SELECT member_id, type, count(*)::bigint AS n, coalesce(sum(amount), 0)::bigint AS amount
         FROM events
        WHERE member_id = ANY($1::text[]) AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY member_id, type`,
      [memberIds, window.start, window.end],
      );
  const balances = !needsBalance
    ? await none<{ member_id: string; available: number }>()
    : await db.query<{ member_id: string; available: number }>(`SELECT member_id, available FROM member_balances WHERE member_id = ANY($1::text[])`, [memberIds]);
  const eventSums =
    sums.length === 0
      ? await none<{ member_id: string; key: string; total: number }>()
      : await db.query<{ member_id: string; key: string; total: number }>(
          `SELECT e.member_id, s.type || '.' || s.property AS key,
                  coalesce(sum(CASE WHEN jsonb_typeof(e.properties -> s.property) = 'number' THEN (e.properties ->> s.property)::numeric END), 0)::bigint AS total
             FROM unnest($4::text[], $5::text[]) AS s(type, property)
             JOIN events e ON e.type = s.type
            WHERE e.member_id = ANY($1::text[]) AND e.occurred_at >= $2 AND e.occurred_at < $3
            GROUP BY e.member_id, s.type, s.property`,
          [memberIds, window.start, window.end, sums.map((s) => s.type), sums.map((s) => s.property)],
        );
  const out = new Map<string, { qualifyingPoints: number; qualifyingPointsByRule: Record<string, number>; spend: number; transactionCount: number; balance: number; eventCounts: Record<string, number>; eventSums: Record<string, number> }>();
  const get = (id: string) => {
    let s = out.get(id);
    if (!s) {
      s = { qualifyingPoints: 0, qualifyingPointsByRule: {}, spend: 0, transactionCount: 0, balance: 0, eventCounts: {}, eventSums: {} };
      out.set(id, s);
    }
    return s;
  };
  for (const id of memberIds) get(id);
  for (const r of ledger.rows) {
    const s = get(r.member_id);
    s.qualifyingPoints += r.qualifying;
    if (r.rule_id) s.qualifyingPointsByRule[r.rule_id] = (s.qualifyingPointsByRule[r.rule_id] ?? 0) + r.qualifying;
  }
  for (const r of events.rows) {
    const s = get(r.member_id);
    s.eventCounts[r.type] = r.n;
    if (r.type === 'purchase') {
      s.spend += r.amount;
      s.transactionCount += r.n;
    } else if (r.type === 'refund') {
      s.spend -= r.amount;
    }
  }
  for (const r of balances.rows) get(r.member_id).balance = r.available;
  for (const r of eventSums.rows) get(r.member_id).eventSums[r.key] = r.total;
  return out as Map<string, ActivitySummary>;
}
