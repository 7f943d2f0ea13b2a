import { addDaysToLocalDate, daysBetweenLocalDates, firstDayOfWeek, formatLocalDate, startOfLocalDate, toLocalDate, type LocalDate, type Weekday } from '../../program/calendar.js';

/*
 * Streak missions ("N consecutive periods": log in 7 days in a row, buy in 4 weeks in a row).
 * Pure: periods are the member's local days (or weeks starting on the program's week start), in
 * the member's time zone (the program's when the member has none), numbered so that consecutive
 * local periods have consecutive numbers whatever the clock does at midnight (DST, zones whose
 * midnight is skipped). A streak is a run of consecutive numbered periods with a counted event.
 */

export type StreakUnit = 'day' | 'week';

export interface StreakCalendar {
  unit: StreakUnit;
  timeZone: string;
  weekStartsOn: Weekday;
}

const EPOCH: LocalDate = { year: 1970, month: 1, day: 1 };

/** The number of the local period holding `at`: local days since 1970-01-01, or weeks. */
export function streakPeriodIndex(at: Date, cal: StreakCalendar): number {
  const date = toLocalDate(at, cal.timeZone);
  if (cal.unit === 'day') return daysBetweenLocalDates(EPOCH, date);
  // Week starts are 7 days apart, so their day numbers fall in consecutive blocks of seven.
  return Math.floor(daysBetweenLocalDates(EPOCH, firstDayOfWeek(date, cal.weekStartsOn)) / 7);
}

/** The first local date of period `index`. */
export function streakPeriodFirstDate(index: number, cal: StreakCalendar): LocalDate {
  if (cal.unit === 'day') return addDaysToLocalDate(EPOCH, index);
  // The week start inside days [7·index, 7·index + 6].
  return firstDayOfWeek(addDaysToLocalDate(EPOCH, index * 7 + 6), cal.weekStartsOn);
}

/** The instant period `index` starts: the member's local midnight of its first date. */
export function streakPeriodStart(index: number, cal: StreakCalendar): Date {
  return startOfLocalDate(streakPeriodFirstDate(index, cal), cal.timeZone);
}

/** The instant period `index` ends (the next one's start). */
export function streakPeriodEnd(index: number, cal: StreakCalendar): Date {
  return streakPeriodStart(index + 1, cal);
}

/** A stable name for the period (`2026-12-07` for a day, the first date for a week). */
export function streakPeriodKey(index: number, cal: StreakCalendar): string {
  return formatLocalDate(streakPeriodFirstDate(index, cal));
}

export { evaluateStreak, streakWatchPeriod, type StreakState } from './streak-run.js';
