import { addMonthsToLocalDate, daysInMonth, startOfLocalDate, toLocalDate } from '../program/calendar.js';
import type { LocalDate } from '../program/calendar.js';
import type { ProgramDefinition } from '../program/schema.js';
import type { TierMemberState } from './types.js';

/**
 * The first review strictly after `after`, at local midnight in the program time zone.
 *
 *  - fixed_date: that month/day every `everyMonths` months (Feb 29 falls on Feb 28 in common years);
 *  - join_date: every `everyMonths` months after the join date (anniversaries, day clamped);
 *  - tier_start_date: every `everyMonths` months after the current tier started.
 */
export function nextReviewAt(program: ProgramDefinition, member: Pick<TierMemberState, 'joinedAt' | 'tierStartedAt'>, after: Date): Date {
  const review = program.qualification.review;
  const timeZone = program.timeZone;
  const afterDate = toLocalDate(after, timeZone);
  const step = review.everyMonths;

  let anchor: LocalDate;
  let firstK: number;
  if (review.anchor === 'fixed_date') {
    const year = afterDate.year - 1;
    anchor = { year, month: review.month, day: Math.min(review.day, daysInMonth(year, review.month)) };
    firstK = 0;
  } else {
    anchor = toLocalDate(review.anchor === 'join_date' ? member.joinedAt : member.tierStartedAt, timeZone);
    const monthsBetween = (afterDate.year - anchor.year) * 12 + (afterDate.month - anchor.month);
    firstK = Math.max(1, Math.floor(monthsBetween / step) - 1);
  }
  const dateAt = (k: number): LocalDate => {
    if (review.anchor !== 'fixed_date') return addMonthsToLocalDate(anchor, k * step);
    const shifted = addMonthsToLocalDate({ year: anchor.year, month: anchor.month, day: 1 }, k * step);
    return { ...shifted, day: Math.min(review.day, daysInMonth(shifted.year, shifted.month)) };
  };
  for (let k = firstK; ; k += 1) {
    const at = startOfLocalDate(dateAt(k), timeZone);
    if (at.getTime() > after.getTime()) return at;
  }
}
