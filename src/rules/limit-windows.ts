import { ValidationError } from '../errors/index.js';
import {
  addDaysToLocalDate,
  addMonthsToLocalDate,
  firstDayOfWeek,
  isValidTimeZone,
  startOfLocalDate,
  toLocalDate,
  type Weekday,
} from '../program/calendar.js';
import type { LimitPeriod, ProgramDefinition } from '../program/schema.js';
import type { LimitWindow, MemberSnapshot } from './types.js';

/** The start of every `lifetime` period. */
export const LIFETIME_START = new Date(0);

/** The zone limits count in: the member's own, else the program's. */
export function memberTimeZone(program: ProgramDefinition, member: Pick<MemberSnapshot, 'timeZone'>): string {
  const zone = member.timeZone ?? program.timeZone;
  if (!isValidTimeZone(zone)) throw new ValidationError('invalid_time_zone', `unknown time zone "${zone}"`, { timeZone: zone });
  return zone;
}

/**
 * The local day / week / month containing `at`, as UTC instants `[start, end)`. An event at
 * 23:30 in Tehran on the 5th is in the Tehran 5th even though it is already the 5th 20:00 UTC.
 */
export function limitPeriodBounds(
  period: LimitPeriod,
  at: Date,
  timeZone: string,
  weekStartsOn: Weekday,
): { start: Date; end: Date | null } {
  if (period === 'lifetime') return { start: LIFETIME_START, end: null };
  const date = toLocalDate(at, timeZone);
  if (period === 'day') {
    return { start: startOfLocalDate(date, timeZone), end: startOfLocalDate(addDaysToLocalDate(date, 1), timeZone) };
  }
  if (period === 'week') {
    const first = firstDayOfWeek(date, weekStartsOn);
    return { start: startOfLocalDate(first, timeZone), end: startOfLocalDate(addDaysToLocalDate(first, 7), timeZone) };
  }
  const first = { year: date.year, month: date.month, day: 1 };
  return { start: startOfLocalDate(first, timeZone), end: startOfLocalDate(addMonthsToLocalDate(first, 1), timeZone) };
}

/**
 * The periods the SQL layer must count before evaluating an event of `eventType` at `at`: one row
 * per (limited rule, period). Query the member's base earn entries of that rule with
 * `earned_at >= start AND (end IS NULL OR earned_at < end)` and hand the counts back as `RuleUsage`.
 */
export function limitWindowsForEvent(input: {
  program: ProgramDefinition;
  member: Pick<MemberSnapshot, 'timeZone'>;
  eventType: string;
  at: Date;
}): LimitWindow[] {
  const timeZone = memberTimeZone(input.program, input.member);
  const windows: LimitWindow[] = [];
  for (const rule of input.program.earningRules) {
    if (rule.trigger !== input.eventType) continue;
    for (const limit of rule.limits) {
      const { start, end } = limitPeriodBounds(limit.period, input.at, timeZone, input.program.weekStartsOn);
      windows.push({ ruleId: rule.id, period: limit.period, start, end, timeZone });
    }
  }
  return windows;
}
