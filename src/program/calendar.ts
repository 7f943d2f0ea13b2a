/**
 * Wall-clock arithmetic in IANA time zones without a date library.
 *
 * Everything here is pure: instants are `Date`s (UTC), local dates are plain `{year, month, day}`
 * records (month 1..12). Intl (full ICU ships with Node 20) supplies the zone offsets; formatters
 * are cached per zone because constructing them dominates the cost.
 */

export interface LocalDate {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
}

export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

const WEEKDAY_INDEX: Record<Weekday, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

// Zone offsets from a table of the zone's transitions, built lazily by span of 32 days of UTC
// time: Intl's formatToParts costs tens of microseconds, and the ledger asks thousands of times
// per batch — at instants all over history when it imports events. A span is sampled every 12 hours
// and each change of offset is located to the millisecond by binary search (~27 Intl calls), so a
// span costs ~65 Intl calls once and every later reading in it is a lookup. Exact as long as a
// zone never changes its offset and back within 12 hours: the tz database's closest transitions
// are ~4 days apart (Africa/Freetown 1939, Brazil 2000, Gaza's rule-based 2040s), and
// calendar.test.ts checks the table against Intl for every zone Intl knows.
const SPAN_MS = 32 * DAY_MS;
const GRID_MS = 12 * 3600_000;
// Probes stay a day inside the range of `Date`, so that the wall clock they read is a valid Date too.
const EDGE_MS = 8.64e15 - DAY_MS;
const MAX_SPANS = 50_000;

/** The offsets of one span: `first` from its start, then `offsets[k]` from the instant `at[k]`. */
interface OffsetSpan {
  readonly first: number;
  readonly at: readonly number[];
  readonly offsets: readonly number[];
}

const zoneSpans = new Map<string, Map<number, OffsetSpan>>();
let spanCount = 0;

/** Offset of `timeZone` from UTC at `ms` (the zone's wall clock minus UTC), in milliseconds. */
function offsetAt(ms: number, timeZone: string): number {
  let spans = zoneSpans.get(timeZone);
  if (!spans) {
    formatterFor(timeZone); // an unknown zone throws here, before anything is cached
    spans = new Map();
    zoneSpans.set(timeZone, spans);
  }
  const index = Math.floor(ms / SPAN_MS);
  let span = spans.get(index);
  if (!span) {
    if (spanCount >= MAX_SPANS) {
      for (const other of zoneSpans.values()) other.clear();
      spanCount = 0;
    }
    span = offsetSpan(index, timeZone);
    spans.set(index, span);
    spanCount += 1;
  }
  let offset = span.first;
  for (let k = 0; k < span.at.length && span.at[k]! <= ms; k += 1) offset = span.offsets[k]!;
  return offset;
}

function offsetSpan(index: number, timeZone: string): OffsetSpan {
  const start = Math.min(Math.max(index * SPAN_MS, -EDGE_MS), EDGE_MS);
  const last = Math.min(index * SPAN_MS + SPAN_MS - 1, EDGE_MS);
  const first = intlOffsetMs(start, timeZone);
  const at: number[] = [];
  const offsets: number[] = [];
  let before = start;
  let beforeOffset = first;
  while (before < last) {
    const probe = Math.min(before + GRID_MS, last);
    const offset = intlOffsetMs(probe, timeZone);
    if (offset !== beforeOffset) locateTransitions(before, beforeOffset, probe, offset, timeZone, at, offsets);
    before = probe;
    beforeOffset = offset;
  }
  return { first, at, offsets };
}

/** Every change of offset in (lo, hi], where the offset is `a` at `lo` and `b` (≠ a) at `hi`. */
function locateTransitions(lo: number, a: number, hi: number, b: number, timeZone: string, at: number[], offsets: number[]): void {
  for (;;) {
    // The first instant after `lo` whose offset is not `a`.
    let l = lo;
    let h = hi;
    let offsetAtH = b;
    while (h - l > 1) {
      const mid = Math.floor((l + h) / 2);
      const offset = intlOffsetMs(mid, timeZone);
      if (offset === a) l = mid;
      else {
        h = mid;
        offsetAtH = offset;
      }
    }
    at.push(h);
    offsets.push(offsetAtH);
    if (offsetAtH === b) return;
    lo = h;
    a = offsetAtH;
  }
}

/** The wall-clock reading of `instant` in `timeZone`. */
export function toLocalDateTime(instant: Date, timeZone: string): LocalDateTime {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid instant');
  const local = new Date(ms + offsetAt(ms, timeZone));
  // Within a day of the end of time the wall clock is no Date: ask Intl.
  if (Number.isNaN(local.getTime())) return intlLocalDateTime(ms, timeZone);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
}

function intlOffsetMs(ms: number, timeZone: string): number {
  const l = intlLocalDateTime(ms, timeZone);
  const wall = new Date(0);
  wall.setUTCFullYear(l.year, l.month - 1, l.day);
  wall.setUTCHours(l.hour, l.minute, l.second, l.millisecond);
  return wall.getTime() - ms;
}

function intlLocalDateTime(ms: number, timeZone: string): LocalDateTime {
  const formatter = formatterFor(timeZone);
  return formatParsesAsExpected ? parseFormatted(formatter.format(ms), ms) : fromParts(formatter.formatToParts(new Date(ms)), ms);
}

// `format` costs a quarter of `formatToParts`. Its en-US text is "M/D/Y AD, HH:MM:SS" (era "BC"
// before year 1); whether this ICU still writes it so is checked once against `formatToParts`.
function parseFormatted(text: string, ms: number): LocalDateTime {
  const n = text.match(DIGITS)!;
  const year = Number(n[2]);
  return {
    year: text.includes('BC') ? 1 - year : year,
    month: Number(n[0]),
    day: Number(n[1]),
    hour: Number(n[3]),
    minute: Number(n[4]),
    second: Number(n[5]),
    // Zone offsets are whole seconds, so the sub-second part is the same everywhere.
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

const DIGITS = /\d+/g;

function fromParts(parts: Intl.DateTimeFormatPart[], ms: number): LocalDateTime {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of parts) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value); break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      case 'era': bc = part.value.startsWith('B'); break;
      default: break;
    }
  }
  if (bc) year = 1 - year;
  const millisecond = ((ms % 1000) + 1000) % 1000;
  return { year, month, day, hour, minute, second, millisecond };
}

const formatParsesAsExpected = [Date.UTC(2026, 11, 7, 18, 44, 22), new Date(0).setUTCFullYear(-500, 0, 1), Date.UTC(1800, 0, 1, 9, 5, 7)].every((ms) => {
  const formatter = formatterFor('Asia/Tehran');
  const a = parseFormatted(formatter.format(ms), ms);
  const b = fromParts(formatter.formatToParts(new Date(ms)), ms);
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
});

export function toLocalDate(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = toLocalDateTime(instant, timeZone);
  return { year, month, day };
}

/** Offset of the zone from UTC at `instant`, in milliseconds (Tehran: +3h30m). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid instant');
  return offsetAt(ms, timeZone);
}

export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Calendar month arithmetic with the day clamped to the target month (Jan 31 + 1 month = Feb 28/29). */
export function addMonthsToLocalDate(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function addDaysToLocalDate(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * The first instant of a local calendar day. Where a DST jump skips midnight (Tehran used to move
 * its clocks at 00:00), the day starts at the transition, i.e. the first instant whose local date
 * is `date`.
 */
export function startOfLocalDate(date: LocalDate, timeZone: string): Date {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day);
  // Try the offsets in force on either side of the wall-clock midnight; the zone has at most two.
  const candidates = new Set<number>();
  for (const probe of [wallAsUtc - DAY_MS, wallAsUtc, wallAsUtc + DAY_MS]) {
    candidates.add(wallAsUtc - zoneOffsetMs(new Date(probe), timeZone));
  }
  let best: number | undefined;
  for (const candidate of candidates) {
    const local = toLocalDateTime(new Date(candidate), timeZone);
    if (compareLocalDates(local, date) === 0 && local.hour === 0 && local.minute === 0 && local.second === 0) {
      if (best === undefined || candidate < best) best = candidate;
    }
  }
  if (best !== undefined) return new Date(best);
  // Midnight does not exist that day: binary-search the first instant on or after the date.
  let lo = wallAsUtc - 2 * DAY_MS;
  let hi = wallAsUtc + 2 * DAY_MS;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (compareLocalDates(toLocalDate(new Date(mid), timeZone), date) >= 0) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The instant a given local wall-clock time occurs (the earlier one when ambiguous, the transition when skipped). */
export function fromLocalDateTime(local: LocalDateTime, timeZone: string): Date {
  const dayStart = startOfLocalDate(local, timeZone);
  const wallMs = ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
  const wallAsUtc = Date.UTC(local.year, local.month - 1, local.day) + wallMs;
  const candidates = [dayStart.getTime() + wallMs];
  for (const probe of [wallAsUtc - DAY_MS, wallAsUtc + DAY_MS]) {
    candidates.push(wallAsUtc - zoneOffsetMs(new Date(probe), timeZone));
  }
  const exact = candidates
    .filter((c) => {
      const got = toLocalDateTime(new Date(c), timeZone);
      return compareLocalDates(got, local) === 0 && got.hour === local.hour && got.minute === local.minute && got.second === local.second;
    })
    .sort((a, b) => a - b);
  if (exact[0] !== undefined) return new Date(exact[0]);
  // Skipped by a DST jump: take the instant the clocks jumped.
  let lo = dayStart.getTime();
  let hi = wallAsUtc + DAY_MS;
  const target = wallAsUtc;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const got = toLocalDateTime(new Date(mid), timeZone);
    const gotWall = Date.UTC(got.year, got.month - 1, got.day, got.hour, got.minute, got.second, got.millisecond);
    if (gotWall >= target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/**
 * The first instants of `count + 1` consecutive local days from `first`: the same as
 * `startOfLocalDate` for each, in a fraction of the Intl calls. Zones change offset a few times a
 * year, so a week whose two ends have the same offset is filled in by arithmetic; a week with a
 * transition is asked day by day.
 */
export function startsOfLocalDays(first: LocalDate, count: number, timeZone: string): Date[] {
  const starts: Date[] = [startOfLocalDate(first, timeZone)];
  const wall = (d: LocalDate) => Date.UTC(d.year, d.month - 1, d.day);
  let day = first;
  while (starts.length <= count) {
    const i = starts.length - 1;
    const step = Math.min(7, count - i);
    const start = starts[i]!;
    const offset = wall(day) - start.getTime();
    const chunkEnd = addDaysToLocalDate(day, step);
    const guess = new Date(wall(chunkEnd) - offset);
    const sameOffset = offset === zoneOffsetMs(start, timeZone) && offset === zoneOffsetMs(guess, timeZone);
    for (let k = 1; k <= step; k += 1) {
      const d = addDaysToLocalDate(day, k);
      starts.push(sameOffset ? new Date(wall(d) - offset) : startOfLocalDate(d, timeZone));
    }
    day = chunkEnd;
  }
  return starts;
}

/**
 * The first instants of increasing local dates: the same as `startOfLocalDate` for each. A date's
 * midnight is first guessed with the offset of the date before; when the zone has that offset
 * both at the guess and just before it, the guess is the day's first instant (the usual case:
 * four Intl readings instead of a search).
 */
export function startsOfLocalDates(dates: readonly LocalDate[], timeZone: string): Date[] {
  const starts: Date[] = [];
  let offset: number | undefined;
  for (const date of dates) {
    const wall = Date.UTC(date.year, date.month - 1, date.day);
    let start: Date | undefined;
    if (offset !== undefined) {
      const guess = new Date(wall - offset);
      if (zoneOffsetMs(guess, timeZone) === offset && zoneOffsetMs(new Date(guess.getTime() - 1), timeZone) === offset) start = guess;
    }
    start ??= startOfLocalDate(date, timeZone);
    offset = wall - start.getTime();
    starts.push(start);
  }
  return starts;
}

export function startOfLocalDay(instant: Date, timeZone: string): Date {
  return startOfLocalDate(toLocalDate(instant, timeZone), timeZone);
}

export function startOfNextLocalDay(instant: Date, timeZone: string): Date {
  return startOfLocalDate(addDaysToLocalDate(toLocalDate(instant, timeZone), 1), timeZone);
}

export function startOfLocalWeek(instant: Date, timeZone: string, weekStartsOn: Weekday): Date {
  return startOfLocalDate(firstDayOfWeek(toLocalDate(instant, timeZone), weekStartsOn), timeZone);
}

/** The first day of the week (starting on `weekStartsOn`) that holds `date`. */
export function firstDayOfWeek(date: LocalDate, weekStartsOn: Weekday): LocalDate {
  return addDaysToLocalDate(date, -((weekdayOf(date) - WEEKDAY_INDEX[weekStartsOn] + 7) % 7));
}

/** Whole days from `a` to `b` (negative when `b` is earlier). */
export function daysBetweenLocalDates(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

/** An ISO 8601 date-time with the zone's offset at that instant: 2025-03-21T00:00:00+03:30. */
export function formatInstantInZone(instant: Date, timeZone: string): string {
  const offsetMs = zoneOffsetMs(instant, timeZone);
  // An offset with seconds (local mean time, before ~1972) has no ISO form: state the instant in UTC.
  if (offsetMs % 60_000 !== 0) return instant.toISOString();
  const l = toLocalDateTime(instant, timeZone);
  const offsetMinutes = offsetMs / 60_000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const ms = l.millisecond === 0 ? '' : `.${pad(l.millisecond, 3)}`;
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${ms}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function startOfLocalMonth(instant: Date, timeZone: string): Date {
  const { year, month } = toLocalDate(instant, timeZone);
  return startOfLocalDate({ year, month, day: 1 }, timeZone);
}

export function startOfLocalYear(instant: Date, timeZone: string): Date {
  return startOfLocalDate({ year: toLocalDate(instant, timeZone).year, month: 1, day: 1 }, timeZone);
}

/** `instant` moved by whole calendar months on the local wall clock (day clamped, time of day kept). */
export function addLocalMonths(instant: Date, months: number, timeZone: string): Date {
  const local = toLocalDateTime(instant, timeZone);
  const date = addMonthsToLocalDate(local, months);
  return fromLocalDateTime({ ...local, ...date }, timeZone);
}

export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}
