import { preparedName, type Pool, type PoolClient } from '../db/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { requiredMeasures, type ActivitySummary, type TimeWindow } from '../tiers/index.js';
import { eventSumMeasures, foldActivity, type ActivityRows } from './core/index.js';

/** Where the activity expression finds its inputs: placeholders of the enclosing statement. */
export interface ActivityParams {
  ids: string;
  start: string;
  end: string;
  sumTypes: string;
  sumProperties: string;
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
