/**
 * The reports' test oracle: interval boundaries and every figure computed the plain way, straight
 * from the raw tables, with none of the report code. Local midnights come from PostgreSQL's own
 * time zone database (`date::timestamp AT TIME ZONE zone`), Persian months from Intl read day by
 * day, sums from `WHERE at >= start AND at < end` over ledger_entries.
 */
import type { Pool } from '../../src/db/index.js';

export interface OracleInterval {
  start: Date;
  end: Date;
}

const persianFormat = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The intervals of from..to (ISO dates, inclusive): every local day's midnight from PostgreSQL, grouped into periods here. */
export async function oracleIntervals(
  pool: Pool,
  q: { from: string; to: string; interval: 'day' | 'week' | 'month'; calendar: 'gregorian' | 'persian'; timeZone: string; weekStartsOn: string },
): Promise<OracleInterval[]> {
  const { rows } = await pool.query<{ day: string; start: Date; dow: number }>(
    `SELECT to_char(d, 'YYYY-MM-DD') AS day, (d::timestamp AT TIME ZONE $3) AS start, extract(dow FROM d)::int AS dow
       FROM generate_series($1::date, $2::date + 1, interval '1 day') AS d ORDER BY d`,
    [q.from, q.to, q.timeZone],
  );
  const weekStart = WEEKDAYS.indexOf(q.calendar === 'persian' ? 'saturday' : q.weekStartsOn);
  const periodKey = (day: string, dow: number, index: number): string => {
    if (q.interval === 'day') return day;
    if (q.interval === 'week') {
      // The number of week starts up to this day names its week.
      let starts = 0;
      for (let i = 0; i <= index; i += 1) if (rows[i]!.dow === weekStart) starts += 1;
      return `w${starts}`;
    }
    if (q.calendar === 'gregorian') return day.slice(0, 7);
    const parts = persianFormat.formatToParts(new Date(`${day}T00:00:00Z`));
    return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
  };
  const intervals: OracleInterval[] = [];
  let previous: string | undefined;
  const days = rows.slice(0, -1);
  days.forEach((r, i) => {
    const key = periodKey(r.day, r.dow, i);
    if (key !== previous) {
      if (intervals.length > 0) intervals[intervals.length - 1]!.end = r.start;
      intervals.push({ start: r.start, end: r.start });
      previous = key;
    }
  });
  intervals[intervals.length - 1]!.end = rows[rows.length - 1]!.start;
  return intervals;
}

/** Every figure of one points-report interval, each its own plain sum over ledger_entries. */
export async function oraclePoints(pool: Pool, start: Date, end: Date, source?: string) {
  const { rows } = await pool.query(
    `SELECT count(*)::bigint AS entries,
            coalesce(sum(amount), 0)::bigint AS net,
            coalesce(sum(qualifying_points), 0)::bigint AS qualifying,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NOT NULL AND component = 'base'), 0)::bigint AS base,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NOT NULL AND component = 'tier_bonus'), 0)::bigint AS bonus,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND rule_id IS NULL), 0)::bigint AS awards,
            coalesce(sum(amount) FILTER (WHERE kind = 'adjust' AND amount > 0), 0)::bigint AS adjusted_up,
            coalesce(sum(amount) FILTER (WHERE kind = 'earn' AND pending), 0)::bigint AS pending_at_issue,
            coalesce(-sum(amount) FILTER (WHERE kind = 'redeem'), 0)::bigint AS redeemed,
            coalesce(-sum(amount) FILTER (WHERE kind = 'expire'), 0)::bigint AS expired,
            coalesce(-sum(amount) FILTER (WHERE kind = 'reverse' AND NOT pending), 0)::bigint AS reversed,
            coalesce(-sum(amount) FILTER (WHERE kind = 'reverse' AND pending), 0)::bigint AS cancelled,
            coalesce(-sum(amount) FILTER (WHERE kind = 'adjust' AND amount < 0), 0)::bigint AS adjusted_down
       FROM ledger_entries WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR source = $3)`,
    [start, end, source ?? null],
  );
  const r = rows[0] as Record<string, number>;
  const issuedTotal = r.base! + r.bonus! + r.awards! + r.adjusted_up!;
  const deductedTotal = r.redeemed! + r.expired! + r.reversed! + r.cancelled! + r.adjusted_down!;
  return {
    entries: r.entries!,
    issued: { base: r.base!, bonus: r.bonus!, offers: 0, awards: r.awards!, adjustments: r.adjusted_up!, total: issuedTotal, pendingAtIssue: r.pending_at_issue! },
    deducted: { redeemed: r.redeemed!, expired: r.expired!, reversed: r.reversed!, cancelledPending: r.cancelled!, adjustments: r.adjusted_down!, total: deductedTotal },
    net: r.net!,
    qualifying: r.qualifying!,
  };
}

/** Balance and pending points at an instant: entries before it; pending entries whose lot's window closes at or after it. */
export async function oracleStock(pool: Pool, at: Date) {
  const { rows } = await pool.query<{ balance: number; pending: number }>(
    `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE at < $1)::bigint AS balance,
            (SELECT coalesce(sum(a.points), 0) FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq JOIN lots l ON l.id = a.lot_id
              WHERE e.pending AND e.at < $1 AND l.pending_until >= $1)::bigint AS pending`,
    [at],
  );
  const { balance, pending } = rows[0]!;
  return { balance, pending, available: balance - pending };
}

export async function oracleSources(pool: Pool, start: Date, end: Date): Promise<string[]> {
  const { rows } = await pool.query<{ source: string }>(`SELECT DISTINCT source FROM ledger_entries WHERE at >= $1 AND at < $2 ORDER BY source`, [start, end]);
  return rows.map((r) => r.source);
}
