import { preparedName, type Pool, type PoolClient } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { requiredMeasures, type ActivitySummary, type TimeWindow } from '../tiers/index.js';

/** The grouped rows a summary is folded from: the SQL returns them, and an event in memory adds its own. */
export interface ActivityRows {
  ledger: { member_id: string; rule_id: string | null; qualifying: number }[];
  events: { member_id: string; type: string; n: number; amount: number }[];
  balances: { member_id: string; available: number }[];
  sums: { member_id: string; key: string; total: number }[];
}

/** Where the activity expression finds its inputs: placeholders of the enclosing statement. */
export interface ActivityParams {
  ids: string;
  start: string;
  end: string;
  sumTypes: string;
  sumProperties: string;
}

function eventSumMeasures(program: ProgramDefinition): { type: string; property: string }[] {
  return requiredMeasures(program).flatMap((m) => (m.type === 'event_sum' ? [{ type: m.eventType, property: m.property }] : []));
}

/** Values for `sumTypes` and `sumProperties`. */
export function activitySumParams(program: ProgramDefinition): [string[], string[]] {
  const sums = eventSumMeasures(program);
  return [sums.map((s) => s.type), sums.map((s) => s.property)];
}

/**
 * One SQL expression (a json object of `ActivityRows`) with the activity of members `ids` over
 * `[start, end)`. Only what the program's qualification reads is aggregated; the tier review embeds
 * it for a page of members, the event path inside its one read.
 */
export function activityJsonSql(program: ProgramDefinition, p: ActivityParams): string {
  const measures = requiredMeasures(program);
  const needsEvents = measures.some((m) => m.type === 'spend' || m.type === 'transaction_count' || m.type === 'event_count');
  const needsBalance = measures.some((m) => m.type === 'balance');
  const needsSums = eventSumMeasures(program).length > 0;
  const agg = (select: string) => `(SELECT coalesce(json_agg(x), '[]'::json) FROM (${select}) x)`;
  const empty = `'[]'::json`;
  return `json_build_object(
    'ledger', ${agg(`SELECT member_id, rule_id, sum(qualifying_points)::bigint AS qualifying
                       FROM ledger_entries
                      WHERE member_id = ANY(${p.ids}::text[]) AND at >= ${p.start}::timestamptz AND at < ${p.end}::timestamptz AND qualifying_points <> 0
                      GROUP BY member_id, rule_id`)},
    'events', ${
      needsEvents
        ? agg(`SELECT member_id, type, count(*)::bigint AS n, coalesce(sum(amount), 0)::bigint AS amount
                 FROM events
                WHERE member_id = ANY(${p.ids}::text[]) AND occurred_at >= ${p.start}::timestamptz AND occurred_at < ${p.end}::timestamptz
                GROUP BY member_id, type`)
        : empty
    },
    'balances', ${needsBalance ? agg(`SELECT member_id, available FROM member_balances WHERE member_id = ANY(${p.ids}::text[])`) : empty},
    'sums', ${
      needsSums
        ? agg(`SELECT e.member_id, s.type || '.' || s.property AS key,
                      coalesce(sum(CASE WHEN jsonb_typeof(e.properties -> s.property) = 'number' THEN (e.properties ->> s.property)::numeric END), 0)::bigint AS total
                 FROM unnest(${p.sumTypes}::text[], ${p.sumProperties}::text[]) AS s(type, property)
                 JOIN events e ON e.type = s.type
                WHERE e.member_id = ANY(${p.ids}::text[]) AND e.occurred_at >= ${p.start}::timestamptz AND e.occurred_at < ${p.end}::timestamptz
                GROUP BY e.member_id, s.type, s.property`)
        : // The placeholders must still appear: Postgres refuses a parameter it cannot type.
          `(SELECT '[]'::json FROM (SELECT ${p.sumTypes}::text[], ${p.sumProperties}::text[]) unused)`
    })`;
}

/** Activity summaries over `[window.start, window.end)` for many members, in one statement. */
export async function activitySummaries(
  db: Pool | PoolClient,
  program: ProgramDefinition,
  memberIds: readonly string[],
  window: TimeWindow,
): Promise<Map<string, ActivitySummary>> {
  const sql = activityJsonSql(program, { ids: '$1', start: '$2', end: '$3', sumTypes: '$4', sumProperties: '$5' });
  const text = `SELECT ${sql} AS activity`;
  const { rows } = await db.query<{ activity: ActivityRows }>({ name: preparedName('activity', text), text, values: [memberIds, window.start, window.end, ...activitySumParams(program)] });
  return foldActivity(memberIds, rows[0]!.activity);
}

type MutableSummary = {
  qualifyingPoints: number;
  qualifyingPointsByRule: Record<string, number>;
  spend: number;
  transactionCount: number;
  balance: number;
  eventCounts: Record<string, number>;
  eventSums: Record<string, number>;
};

function copy(s: ActivitySummary | undefined): MutableSummary {
  return {
    qualifyingPoints: s?.qualifyingPoints ?? 0,
    qualifyingPointsByRule: { ...s?.qualifyingPointsByRule },
    spend: s?.spend ?? 0,
    transactionCount: s?.transactionCount ?? 0,
    balance: s?.balance ?? 0,
    eventCounts: { ...s?.eventCounts },
    eventSums: { ...s?.eventSums },
  };
}

/** Folds activity rows into summaries, on top of `base` (counts and sums add; the balance is replaced). */
export function foldActivity(memberIds: readonly string[], rows: ActivityRows, base?: ReadonlyMap<string, ActivitySummary>): Map<string, ActivitySummary> {
  const out = new Map<string, MutableSummary>();
  const get = (id: string) => {
    let s = out.get(id);
    if (!s) {
      s = copy(base?.get(id));
      out.set(id, s);
    }
    return s;
  };
  for (const id of memberIds) get(id);
  for (const r of rows.ledger) {
    const s = get(r.member_id);
    s.qualifyingPoints += r.qualifying;
    if (r.rule_id) s.qualifyingPointsByRule[r.rule_id] = (s.qualifyingPointsByRule[r.rule_id] ?? 0) + r.qualifying;
  }
  for (const r of rows.events) {
    const s = get(r.member_id);
    s.eventCounts[r.type] = (s.eventCounts[r.type] ?? 0) + r.n;
    if (r.type === 'purchase') {
      s.spend += r.amount;
      s.transactionCount += r.n;
    } else if (r.type === 'refund') {
      s.spend -= r.amount;
    }
  }
  for (const r of rows.balances) get(r.member_id).balance = r.available;
  for (const r of rows.sums) get(r.member_id).eventSums[r.key] = (get(r.member_id).eventSums[r.key] ?? 0) + r.total;
  return out;
}

/**
 * A member's summary after one more event, without asking the database: the event's own rows
 * (its entries' qualifying points and the event itself, when inside the window) folded on top.
 */
export function activityWithEvent(
  program: ProgramDefinition,
  summary: ActivitySummary,
  window: TimeWindow,
  memberId: string,
  event: { type: string; occurredAt: Date; amount: number | null; properties: Record<string, unknown> },
  entries: readonly { ruleId: string | null; qualifyingPoints: number; at: Date }[],
  balance: number,
): ActivitySummary {
  const inWindow = (at: Date) => at.getTime() >= window.start.getTime() && at.getTime() < window.end.getTime();
  const eventInWindow = inWindow(event.occurredAt);
  const rows: ActivityRows = {
    ledger: entries.filter((e) => e.qualifyingPoints !== 0 && inWindow(e.at)).map((e) => ({ member_id: memberId, rule_id: e.ruleId, qualifying: e.qualifyingPoints })),
    events: eventInWindow ? [{ member_id: memberId, type: event.type, n: 1, amount: event.amount ?? 0 }] : [],
    balances: [{ member_id: memberId, available: balance }],
    sums: eventInWindow
      ? eventSumMeasures(program).flatMap((m) => {
          const v = event.properties[m.property];
          return m.type === event.type && typeof v === 'number' ? [{ member_id: memberId, key: `${m.type}.${m.property}`, total: Math.trunc(v) }] : [];
        })
      : [],
  };
  return foldActivity([memberId], rows, new Map([[memberId, summary]])).get(memberId)!;
}
