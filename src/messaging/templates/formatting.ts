import { ValidationError } from '../../errors/index.js';
import { intlLocale, languageOf } from './locale.js';

/**
 * Locale-aware formatting for points, money and dates. Points and money never pass through a
 * float: amounts become bigints, money becomes an exact decimal string built with integer
 * arithmetic, and Intl formats that string (Intl.NumberFormat v3 keeps string input exact).
 */

const formatterCache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.PluralRules>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.PluralRules>(key: string, make: () => T): T {
  let formatter = formatterCache.get(key) as T | undefined;
  if (!formatter) {
    if (formatterCache.size > 500) formatterCache.clear();
    formatter = make();
    formatterCache.set(key, formatter);
  }
  return formatter;
}

function invalid(what: string, value: unknown, expected: string): never {
  throw new ValidationError('template_variable_invalid', `${what} must be ${expected}`, {
    variable: what,
    received: typeof value === 'bigint' ? value.toString() : typeof value === 'string' ? value.slice(0, 64) : typeof value,
  });
}

/** Accepts a bigint, a safe-integer number or a string of digits; anything else is rejected. */
export function toInteger(value: unknown, what = 'value'): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,40}$/.test(value.trim())) return BigInt(value.trim());
  return invalid(what, value, 'an integer');
}

/** Grouped digits in the locale's numbering system: `1,234,567` / `۱٬۲۳۴٬۵۶۷`. */
export function formatInteger(value: unknown, locale: string, what = 'points'): string {
  const amount = toInteger(value, what);
  const tag = intlLocale(locale);
  return cached(`n|${tag}`, () => new Intl.NumberFormat(tag, { maximumFractionDigits: 0 })).format(amount);
}

/**
 * Digits after the decimal point of each currency's minor unit, as the ledger stores it.
 * Rial and toman are kept in whole units (the rial's ISO exponent of 2 is unused in practice and
 * ICU agrees). Currencies not listed follow ICU.
 */
const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  IRR: 0,
  IRT: 0,
  JPY: 0,
  KRW: 0,
  USD: 2,
  EUR: 2,
  GBP: 2,
  AED: 2,
  TRY: 2,
  CAD: 2,
  AUD: 2,
  CHF: 2,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  IQD: 0,
};

export function currencyExponent(currency: string): number {
  const known = CURRENCY_EXPONENTS[currency];
  if (known !== undefined) return known;
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `12345n, 2` → `"123.45"`; `-5n, 2` → `"-0.05"`; exact for any size. */
export function minorUnitsToDecimal(amountMinor: bigint, exponent: number): string {
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** Toman is not an ISO currency, so ICU has no symbol for it: written out after the amount. */
const TOMAN_LABEL: Readonly<Record<string, string>> = { fa: 'تومان', en: 'toman' };

export function formatMoney(amountMinor: unknown, currency: unknown, locale: string): string {
  const amount = toInteger(amountMinor, 'money amount');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) return invalid('currency', currency, 'a three-letter currency code');
  const exponent = currencyExponent(currency);
  const decimal = minorUnitsToDecimal(amount, exponent) as Intl.StringNumericLiteral;
  const tag = intlLocale(locale);
  if (currency === 'IRT') {
    const number = cached(`t|${tag}`, () => new Intl.NumberFormat(tag, { maximumFractionDigits: 0 })).format(decimal);
    return `${number} ${TOMAN_LABEL[languageOf(locale)] ?? TOMAN_LABEL.en}`;
  }
  return cached(
    `m|${tag}|${currency}`,
    () => new Intl.NumberFormat(tag, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }),
  ).format(decimal);
}

/** A `{ amountMinor, currency }` money value, as registry variables of type `money` carry it. */
export function formatMoneyValue(value: unknown, locale: string): string {
  if (typeof value !== 'object' || value === null) return invalid('money', value, 'an object { amountMinor, currency }');
  const { amountMinor, currency } = value as { amountMinor?: unknown; currency?: unknown };
  return formatMoney(amountMinor, currency, locale);
}

/** Accepts a Date, an ISO 8601 string or epoch milliseconds. */
export function toDate(value: unknown, what = 'date'): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)
        ? new Date(value)
        : typeof value === 'number' && Number.isSafeInteger(value)
          ? new Date(value)
          : undefined;
  if (!date || Number.isNaN(date.getTime())) return invalid(what, value, 'a date (ISO 8601 string, Date or epoch milliseconds)');
  return date;
}

export type DateStyle = 'short' | 'medium' | 'long' | 'full';
const DATE_STYLES: readonly DateStyle[] = ['short', 'medium', 'long', 'full'];

export function isDateStyle(value: unknown): value is DateStyle {
  return typeof value === 'string' && (DATE_STYLES as readonly string[]).includes(value);
}

export function assertTimeZone(timeZone: string): string {
  try {
    cached(`z|${timeZone}`, () => new Intl.DateTimeFormat('en', { timeZone }));
    return timeZone;
  } catch {
    return invalid('member.timeZone', timeZone, 'an IANA time zone');
  }
}

/** In the member's calendar and time zone: fa → `۴ آذر ۱۴۰۵` (long) or `۱۴۰۵/۹/۴` (short). */
export function formatDate(value: unknown, options: { locale: string; timeZone: string; style?: DateStyle; withTime?: boolean }): string {
  const date = toDate(value);
  const tag = intlLocale(options.locale);
  const style = options.style ?? 'long';
  const key = `d|${tag}|${options.timeZone}|${style}|${options.withTime ? 't' : ''}`;
  return cached(
    key,
    () =>
      new Intl.DateTimeFormat(tag, {
        timeZone: assertTimeZone(options.timeZone),
        dateStyle: style,
        ...(options.withTime ? { timeStyle: 'short' as const } : {}),
      }),
  ).format(date);
}

// Since 1980 every zone's UTC offset is a whole number of minutes, so all instants of one UTC
// minute fall on the same local date: the (zone, minute) answer is memoized (formatToParts is
// among the dearest calls of a render, and a send's "now" repeats within a minute).
const WHOLE_MINUTE_OFFSETS_SINCE = Date.UTC(1980, 0, 1);
const dayNumbers = new Map<string, number>();

/** Days since 1970-01-01 of the calendar date the instant falls on in the time zone. */
export function localDayNumber(instant: Date, timeZone: string): number {
  const ms = instant.getTime();
  if (!(ms >= WHOLE_MINUTE_OFFSETS_SINCE)) return computeLocalDayNumber(instant, timeZone);
  const key = `${timeZone}|${Math.floor(ms / 60_000)}`;
  let day = dayNumbers.get(key);
  if (day === undefined) {
    day = computeLocalDayNumber(instant, timeZone);
    if (dayNumbers.size >= 5000) dayNumbers.clear();
    dayNumbers.set(key, day);
  }
  return day;
}

function computeLocalDayNumber(instant: Date, timeZone: string): number {
  const parts = cached(
    `p|${timeZone}`,
    () => new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', { timeZone: assertTimeZone(timeZone), year: 'numeric', month: 'numeric', day: 'numeric' }),
  ).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day')) / 86_400_000;
}

/** Whole calendar days from `now` to `target` in the member's zone: a deadline tonight is 0, "today". */
export function calendarDaysBetween(now: Date, target: Date, timeZone: string): number {
  return localDayNumber(target, timeZone) - localDayNumber(now, timeZone);
}

/** `today`, `tomorrow`, `in 5 days`, `3 days ago` / `امروز`, `فردا`, `۵ روز دیگر`. */
export function formatRelativeDays(value: unknown, options: { now: Date; locale: string; timeZone: string }): string {
  const days = calendarDaysBetween(options.now, toDate(value), options.timeZone);
  const tag = intlLocale(options.locale);
  return cached(`r|${tag}`, () => new Intl.RelativeTimeFormat(tag, { numeric: 'auto' })).format(days, 'day');
}

export type PluralForms = { one: string; other: string } & Partial<Record<'zero' | 'two' | 'few' | 'many', string>>;

/**
 * The word for the count in the locale's plural rules. `zero` is an explicit override for 0
 * (English says "no points"); Persian nouns stay singular after numbers, so fa templates usually
 * pass the same word twice.
 */
export function choosePlural(count: unknown, forms: PluralForms, locale: string): string {
  const amount = toInteger(count, 'count');
  if (amount === 0n && forms.zero !== undefined) return forms.zero;
  const tag = intlLocale(locale);
  // Plural categories only depend on small values; clamp so huge bigints never become floats.
  const bounded = amount > 1_000_000n ? 1_000_000 + Number(amount % 1_000_000n) : amount < -1_000_000n ? -1_000_000 : Number(amount);
  const category = cached(`l|${tag}`, () => new Intl.PluralRules(tag)).select(bounded) as keyof PluralForms;
  return forms[category] ?? forms.other;
}
