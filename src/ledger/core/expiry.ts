import type { ExpiryPolicy } from '../../program/schema.js';
import {
  addMonthsToLocalDate,
  addDaysToLocalDate,
  addLocalMonths,
  compareLocalDates,
  daysInMonth,
  startOfLocalDate,
  toLocalDate,
} from '../../program/calendar.js';

/*
 * Expiry instants are exclusive: a lot with `expiresAt = T` is spendable strictly before T and
 * expired at T and after. "Rounded to the end of the day/month" therefore yields the first instant
 * of the next local day/month. Rounding happens in the program time zone (one calendar for the
 * whole program, so a batch expiry sweep expires everyone's lots at the same local midnight).
 */

/** When a lot earned at `earnedAt` expires, or null when the policy gives lots no date of their own. */
export function lotExpiresAt(policy: ExpiryPolicy, earnedAt: Date, programTimeZone: string): Date | null {
  switch (policy.type) {
    case 'never':
    case 'inactivity':
      return null;
    case 'after_months': {
      if (policy.roundTo === 'none') return addLocalMonths(earnedAt, policy.months, programTimeZone);
      const target = addMonthsToLocalDate(toLocalDate(earnedAt, programTimeZone), policy.months);
      if (policy.roundTo === 'end_of_day') return startOfLocalDate(addDaysToLocalDate(target, 1), programTimeZone);
      const nextMonth = addMonthsToLocalDate({ year: target.year, month: target.month, day: 1 }, 1);
      return startOfLocalDate(nextMonth, programTimeZone);
    }
    case 'fixed_date': {
      // The first (month, day) on or after the earn date plus minMonths; Feb 29 becomes Feb 28 in common years.
      const earliest = addMonthsToLocalDate(toLocalDate(earnedAt, programTimeZone), policy.minMonths);
      let year = earliest.year;
      const dateIn = (y: number) => ({ year: y, month: policy.month, day: Math.min(policy.day, daysInMonth(y, policy.month)) });
      if (compareLocalDates(dateIn(year), earliest) < 0) year += 1;
      return startOfLocalDate(addDaysToLocalDate(dateIn(year), 1), programTimeZone);
    }
  }
}

/**
 * Under the inactivity policy every open lot expires together: at the end of the local day
 * `months` after the member's last activity (the caller decides what counts as activity).
 * Null under other policies.
 */
export function inactivityExpiresAt(policy: ExpiryPolicy, lastActivityAt: Date, programTimeZone: string): Date | null {
  if (policy.type !== 'inactivity') return null;
  const target = addMonthsToLocalDate(toLocalDate(lastActivityAt, programTimeZone), policy.months);
  return startOfLocalDate(addDaysToLocalDate(target, 1), programTimeZone);
}

export function isExpiredAt(expiresAt: Date | null, at: Date): boolean {
  return expiresAt !== null && at.getTime() >= expiresAt.getTime();
}
