/**
 * The Persian (Solar Hijri) calendar over Gregorian local dates, pure.
 *
 * The year starts at Nowruz (1 Farvardin); months 1–6 have 31 days, 7–11 have 30, and Esfand
 * (12) has 29 or 30. Which Gregorian day Nowruz falls on is not a simple rule, so it is read from
 * Intl's Persian calendar (ICU, the same calendar the message templates render dates with) once
 * per year and cached; everything else is arithmetic.
 */
import { addDaysToLocalDate, compareLocalDates, daysBetweenLocalDates, type LocalDate } from './calendar.js';

export interface PersianDate {
  readonly year: number;
  /** 1..12 (Farvardin..Esfand) */
  readonly month: number;
  readonly day: number;
}

const nowruzByGregorianYear = new Map<number, LocalDate>();
let formatter: Intl.DateTimeFormat | undefined;

function persianParts(date: LocalDate): { year: number; month: number; day: number } {
  formatter ??= new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of formatter.formatToParts(new Date(Date.UTC(date.year, date.month - 1, date.day)))) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return { year, month, day };
}

/** The Gregorian date of 1 Farvardin in Gregorian year `year` (always between 19 and 22 March). */
export function nowruz(year: number): LocalDate {
  let found = nowruzByGregorianYear.get(year);
  if (!found) {
    for (let day = 18; day <= 23 && !found; day += 1) {
      const p = persianParts({ year, month: 3, day });
      if (p.month === 1 && p.day === 1) found = { year, month: 3, day };
    }
    if (!found) throw new RangeError(`no Nowruz found in March ${year}`);
    nowruzByGregorianYear.set(year, found);
  }
  return found;
}

/** Days from 1 Farvardin to the first day of Persian month `month` (1..12). */
function monthOffset(month: number): number {
  return month <= 7 ? (month - 1) * 31 : 186 + (month - 7) * 30;
}

export function toPersianDate(date: LocalDate): PersianDate {
  const thisNowruz = nowruz(date.year);
  const before = compareLocalDates(date, thisNowruz) < 0;
  const start = before ? nowruz(date.year - 1) : thisNowruz;
  const year = (before ? date.year - 1 : date.year) - 621;
  const dayOfYear = daysBetweenLocalDates(start, date);
  let month = 12;
  while (month > 1 && monthOffset(month) > dayOfYear) month -= 1;
  return { year, month, day: dayOfYear - monthOffset(month) + 1 };
}

export function fromPersianDate(date: PersianDate): LocalDate {
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) throw new RangeError(`invalid Persian date ${date.year}-${date.month}-${date.day}`);
  return addDaysToLocalDate(nowruz(date.year + 621), monthOffset(date.month) + date.day - 1);
}

/** The first day (Gregorian) of the Persian month that holds `date`. */
export function startOfPersianMonth(date: LocalDate): LocalDate {
  const p = toPersianDate(date);
  return fromPersianDate({ year: p.year, month: p.month, day: 1 });
}

/** The first day (Gregorian) of the Persian month after the one that holds `date`. */
export function startOfNextPersianMonth(date: LocalDate): LocalDate {
  const p = toPersianDate(date);
  return p.month === 12 ? nowruz(p.year + 622) : fromPersianDate({ year: p.year, month: p.month + 1, day: 1 });
}

export function formatPersianDate(date: PersianDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
