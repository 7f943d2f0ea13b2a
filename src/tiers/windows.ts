import {
  addDaysToLocalDate,
  addMonthsToLocalDate,
  startOfLocalDate,
  toLocalDate,
} from '../program/calendar.js';
import type { LocalDate } from '../program/calendar.js';
import type { ProgramDefinition } from '../program/schema.js';
import type { TierMemberState, TimeWindow } from './types.js';

/*
 * Qualification windows are whole local days in the program time zone, `[start, end)`:
 * inclusive start, exclusive end. An event exactly at `start` counts; one exactly at `end` does not.
 *
 *  - rolling N months, as of an instant: the N months ending with the end of that local day,
 *    [start of (tomorrow − N months), start of tomorrow). On 2025-06-15 with N = 12 that is
 *    [2024-06-16 00:00, 2025-06-16 00:00) local.
 *  - calendar year, as of an instant: the local calendar year containing it.
 *
 * At a review (an instant, normally a local midnight) the window is the one that just ended:
 * rolling → [reviewAt − N months, reviewAt); calendar year → the last calendar year that ended at
 * or before reviewAt (a review on 2026-01-01 00:00 looks at 2025).
 */

function rollingEndingAt(endDate: LocalDate, months: number, timeZone: string): TimeWindow {
  return {
    start: startOfLocalDate(addMonthsToLocalDate(endDate, -months), timeZone),
    end: startOfLocalDate(endDate, timeZone),
  };
}

function calendarYear(year: number, timeZone: string): TimeWindow {
  return {
    start: startOfLocalDate({ year, month: 1, day: 1 }, timeZone),
    end: startOfLocalDate({ year: year + 1, month: 1, day: 1 }, timeZone),
  };
}

/** The window in effect at `asOf`: for immediate upgrades and the member's progress. */
export function currentQualificationWindow(program: ProgramDefinition, asOf: Date): TimeWindow {
  const timeZone = program.timeZone;
  const window = program.qualification.window;
  const today = toLocalDate(asOf, timeZone);
  if (window.type === 'calendar_year') return calendarYear(today.year, timeZone);
  return rollingEndingAt(addDaysToLocalDate(today, 1), window.months, timeZone);
}

/** The window a review at `reviewAt` judges. */
export function reviewQualificationWindow(program: ProgramDefinition, reviewAt: Date): TimeWindow {
  const timeZone = program.timeZone;
  const window = program.qualification.window;
  const local = toLocalDate(reviewAt, timeZone);
  if (window.type === 'calendar_year') return calendarYear(local.year - 1, timeZone);
  const reviewDayStart = startOfLocalDate(local, timeZone);
  // A review instant inside a day judges up to the start of the next day, like `currentQualificationWindow`.
  const endDate = reviewDayStart.getTime() === reviewAt.getTime() ? local : addDaysToLocalDate(local, 1);
  return rollingEndingAt(endDate, window.months, timeZone);
}

export function isInWindow(window: TimeWindow, at: Date): boolean {
  const t = at.getTime();
  return t >= window.start.getTime() && t < window.end.getTime();
}

/**
 * The window a member's scheduled review judges: the one that just ended at `nextReviewAt`, or,
 * when that review ends a grace period, the window current at that instant.
 */
export function reviewWindowOf(program: ProgramDefinition, member: Pick<TierMemberState, 'graceUntil'> & { readonly nextReviewAt: Date }): TimeWindow {
  const graceEnds = member.graceUntil != null && member.graceUntil.getTime() <= member.nextReviewAt.getTime();
  return graceEnds ? currentQualificationWindow(program, member.nextReviewAt) : reviewQualificationWindow(program, member.nextReviewAt);
}

/**
 * Members grouped by the window their review judges (one group per distinct window: usually one or
 * two per page, as reviews fall due at the same local midnights). Each distinct (review instant,
 * grace end) pair asks the calendar once.
 */
export function groupByReviewWindow<M extends Pick<TierMemberState, 'graceUntil'> & { readonly id: string; readonly nextReviewAt: Date }>(
  program: ProgramDefinition,
  members: readonly M[],
): { window: TimeWindow; ids: string[] }[] {
  const byInstant = new Map<string, { window: TimeWindow; ids: string[] }>();
  const byWindow = new Map<string, { window: TimeWindow; ids: string[] }>();
  for (const m of members) {
    const graceEnds = m.graceUntil != null && m.graceUntil.getTime() <= m.nextReviewAt.getTime();
    const instantKey = `${m.nextReviewAt.getTime()}|${graceEnds ? 1 : 0}`;
    let group = byInstant.get(instantKey);
    if (!group) {
      const window = reviewWindowOf(program, m);
      const windowKey = `${window.start.getTime()}/${window.end.getTime()}`;
      group = byWindow.get(windowKey) ?? { window, ids: [] };
      byWindow.set(windowKey, group);
      byInstant.set(instantKey, group);
    }
    group.ids.push(m.id);
  }
  return [...byWindow.values()];
}
