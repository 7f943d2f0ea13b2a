/**
 * Reading `report_member_days` (migration 0033: one row per program-local day and member with any
 * event, maintained in the event's own transaction) for the members and sales reports' per-member
 * figures, with the events as the fallback.
 *
 * The rollup's days are local dates in the zone it is kept in. Every interval of a report in that
 * zone is a run of whole local days (`firstDay..lastDay`), so a bucket is `width_bucket(day,
 * $days)` over the buckets' first days; a day report's bucket is just `day - from + 1`, and its
 * rows are already one per member (no grouping at all). A week or month counts the distinct
 * members of its day rows.
 *
 * Exactness across a rebuild: every rollup statement checks the rollup's zone in its own snapshot
 * and returns a marker row (`b = 0`) when it covers the report; a statement without the marker
 * (rollup kept in another zone, or none) is answered from the events instead.
 */
import { addDaysToLocalDate, daysBetweenLocalDates, formatLocalDate, type LocalDate } from '../program/calendar.js';
import type { Pool } from '../db/index.js';
import { analyticQuery } from './analytic-query.js';
import type { ReportContext } from './context.js';
import { reportMemberDaysZone } from './rollups.js';

export type ComputedFrom = 'rollups' | 'ledger';

/** The statement of one figure, over the rollup and over the events. */
export interface MemberDaysStatement {
  rollup: { text: string; values: unknown[] };
  ledger: { text: string; values: unknown[] };
}

/** `$days` for width_bucket: every bucket's first local day, then the day after the last bucket. */
export function bucketDays(ctx: ReportContext): string[] {
  const buckets = ctx.range.buckets;
  return [...buckets.map((b) => formatLocalDate(b.firstDay)), formatLocalDate(addDaysToLocalDate(buckets[buckets.length - 1]!.lastDay, 1))];
}

/** Bits per year row of report_member_years (migration 0035): bit n = day n of the year (January 1 = 0). */
export const YEAR_BITS = 366;

/**
 * The report's local days as masks over report_member_years' rows: for every Gregorian year the
 * range touches, its year and a bit string with the range's days of that year set.
 */
export function yearMasks(ctx: ReportContext): { years: number[]; masks: string[] } {
  const buckets = ctx.range.buckets;
  const first: LocalDate = buckets[0]!.firstDay;
  const last: LocalDate = buckets[buckets.length - 1]!.lastDay;
  const years: number[] = [];
  const masks: string[] = [];
  for (let year = first.year; year <= last.year; year++) {
    const jan1: LocalDate = { year, month: 1, day: 1 };
    const from = year === first.year ? daysBetweenLocalDates(jan1, first) : 0;
    const to = year === last.year ? daysBetweenLocalDates(jan1, last) : daysBetweenLocalDates(jan1, { year, month: 12, day: 31 });
    years.push(year);
    masks.push('0'.repeat(from) + '1'.repeat(to - from + 1) + '0'.repeat(YEAR_BITS - to - 1));
  }
  return { years, masks };
}

/** True when the rollup is kept in the report's zone now (each statement checks again in its own snapshot). */
export async function memberDaysCover(pool: Pool, ctx: ReportContext): Promise<boolean> {
  return (await reportMemberDaysZone(pool)) === ctx.range.timeZone;
}

/** The CTE `covered` (one row when the rollup is kept in zone `$n`). */
export const coveredCte = (zoneParam: string) => `covered AS (SELECT FROM report_member_days_zone WHERE zone = ${zoneParam})`;

/**
 * Runs each statement over the rollup when `cover`, else over the events; when a rollup statement
 * comes back without its marker (the rollup was rebuilt for another zone meanwhile), every figure
 * is read from the events, so a report never mixes the two.
 */
export async function readMemberDays<R extends { b: number }>(pool: Pool, cover: boolean, statements: MemberDaysStatement[]): Promise<{ results: R[][]; computedFrom: ComputedFrom }> {
  if (cover) {
    const results = await Promise.all(statements.map((s) => analyticQuery<R>(pool, s.rollup.text, s.rollup.values)));
    if (results.every((r) => r.rows.some((row) => Number(row.b) === 0))) {
      return { results: results.map((r) => r.rows.filter((row) => Number(row.b) !== 0)), computedFrom: 'rollups' };
    }
  }
  const results = await Promise.all(statements.map((s) => analyticQuery<R>(pool, s.ledger.text, s.ledger.values)));
  return { results: results.map((r) => r.rows), computedFrom: 'ledger' };
}
