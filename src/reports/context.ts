import type { Pool } from '../db/index.js';
import { formatInstantInZone, formatLocalDate } from '../program/calendar.js';
import { currentProgram, type ProgramVersion } from '../program/store.js';
import { bucketBoundaries, describeBucket, reportRange, type ReportBucket, type ReportRange } from './intervals.js';
import type { ReportQuery } from './query.js';
import type { IntervalBase, ReportHeader } from './schemas.js';

interface VersionRow {
  version: number;
  created_at: Date;
}

/** Everything a report needs besides its own figures: the program, its zone, the intervals. */
export interface ReportContext {
  program: ProgramVersion;
  range: ReportRange;
  /** `[b0, …, bn]` for `width_bucket(at, $bounds)`: bucket i (1-based) is `[b(i-1), b(i))`. */
  boundaries: Date[];
  versions: { version: number; from: Date; until: Date | null }[];
  now: Date;
}

/**
 * The report's intervals in the program's time zone (the version in force now), and the program
 * versions that were in force during the range. Versions are few; they come in one small query.
 */
export async function reportContext(pool: Pool, query: ReportQuery, now = new Date()): Promise<ReportContext> {
  const program = await currentProgram(pool);
  const range = reportRange({
    from: query.from,
    to: query.to,
    interval: query.interval,
    calendar: query.calendar,
    timeZone: program.definition.timeZone,
    weekStartsOn: program.definition.weekStartsOn,
  });
  const { rows } = await pool.query<VersionRow>(`SELECT version, created_at FROM program_versions ORDER BY version`);
  const versions = rows.map((r, i) => ({ version: r.version, from: r.created_at, until: rows[i + 1]?.created_at ?? null }));
  return { program, range, boundaries: bucketBoundaries(range), versions, now };
}

function versionsDuring(ctx: ReportContext, start: Date, end: Date): ReportContext['versions'] {
  const during = ctx.versions.filter((v) => v.from < end && (v.until === null || v.until > start));
  // Activity before the first version was stored (imported history) is judged by the first one.
  return during.length > 0 || ctx.versions.length === 0 ? during : [ctx.versions[0]!];
}

export function reportHeader(report: string, ctx: ReportContext, computedFrom: 'rollups' | 'ledger'): ReportHeader {
  const zone = ctx.range.timeZone;
  return {
    report,
    timeZone: zone,
    calendar: ctx.range.calendar,
    interval: ctx.range.interval,
    weekStartsOn: ctx.range.calendar === 'persian' ? 'saturday' : ctx.range.weekStartsOn,
    from: formatLocalDate(ctx.range.from),
    to: formatLocalDate(ctx.range.to),
    start: formatInstantInZone(ctx.range.start, zone),
    end: formatInstantInZone(ctx.range.end, zone),
    programVersions: versionsDuring(ctx, ctx.range.start, ctx.range.end).map((v) => ({
      version: v.version,
      inForceFrom: formatInstantInZone(v.from, zone),
      inForceUntil: v.until ? formatInstantInZone(v.until, zone) : null,
    })),
    generatedAt: formatInstantInZone(ctx.now, zone),
    computedFrom,
  };
}

export function intervalBase(ctx: ReportContext, bucket: ReportBucket): IntervalBase {
  return { ...describeBucket(bucket, ctx.range.timeZone), programVersions: versionsDuring(ctx, bucket.start, bucket.end).map((v) => v.version) };
}

/** A pg bigint (text) or number as a JS integer; refuses a sum beyond 2^53 instead of rounding it. */
export function toInt(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`a report figure (${String(value)}) is not a safe integer`);
  return n;
}
