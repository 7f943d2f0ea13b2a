import { localizedTierName } from '../../../../src/messaging/templates/tier-names.js';
import type { Locale } from './catalogue.js';

/**
 * Numbers and dates as the reader expects them: fa uses Persian digits and the Persian (Solar
 * Hijri) calendar, en uses Western digits and the Gregorian calendar. Points and money are
 * integers everywhere (no floats), so formatting never rounds.
 */
export const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', fa: 'fa-IR-u-ca-persian-nu-arabext' };

export interface Formatter {
  locale: Locale;
  number(n: number | bigint | string): string;
  percent(numerator: number, denominator: number): string;
  date(value: string | Date | null | undefined, timeZone?: string): string;
  dateTime(value: string | Date | null | undefined, timeZone?: string): string;
  /** A YYYY-MM-DD calendar day (no time zone shift) in the reader's calendar. */
  day(isoDay: string): string;
  money(minor: number | string, currency: string): string;
  /**
   * A tier's name in the reader's language: the program's own name in en (when known), the templates'
   * localized name in fa (the same names the member's messages use), so Persian text never carries 'Bronze'.
   */
  tierName(tier: { id: string; name?: string }): string;
  /**
   * A report interval on a chart axis from its first local day (YYYY-MM-DD): day and month for
   * days and weeks, month and year for months — in fa the Persian calendar's, in Persian digits.
   */
  intervalLabel(firstDay: string, interval: 'day' | 'week' | 'month'): string;
}

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|d|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat(INTL_LOCALE[locale], options)));
  return f;
}

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale}|n|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) cache.set(key, (f = new Intl.NumberFormat(INTL_LOCALE[locale], options)));
  return f;
}

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';

/**
 * A formatted fa number with Persian digits and Persian separators whatever the engine's locale
 * data: U+066C (٬) between thousands and U+066B (٫) before decimals. Chromium's ICU already gives
 * them; an engine with less locale data falls back to Latin digits or separators, which this maps.
 * (Vazirmatn draws ٬ low, much like a comma: it is still the Persian separator in the text.)
 */
export function persianNumerals(text: string): string {
  return text.replace(/[0-9,.]/g, (c) => (c === ',' ? '٬' : c === '.' ? '٫' : PERSIAN_DIGITS[Number(c)]!));
}

function toDate(value: string | Date): Date | null {
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? null : d;
}

export function createFormatter(locale: Locale): Formatter {
  const numerals = locale === 'fa' ? persianNumerals : (text: string) => text;
  return {
    locale,
    number(n) {
      if (typeof n === 'string') {
        if (!/^-?\d+$/.test(n)) return n;
        return numerals(numberFormat(locale).format(BigInt(n)));
      }
      return numerals(numberFormat(locale).format(n));
    },
    percent(numerator, denominator) {
      if (denominator === 0) return '—';
      return numerals(numberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(numerator / denominator));
    },
    date(value, timeZone) {
      const d = value ? toDate(value) : null;
      if (!d) return '—';
      return dateFormat(locale, { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(d);
    },
    dateTime(value, timeZone) {
      const d = value ? toDate(value) : null;
      if (!d) return '—';
      return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(d);
    },
    day(isoDay) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay);
      if (!m) return isoDay;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
      return dateFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
    },
    intervalLabel(firstDay, interval) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(firstDay);
      if (!m) return firstDay;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
      const options: Intl.DateTimeFormatOptions = interval === 'month' ? { month: 'short', year: 'numeric', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' };
      return dateFormat(locale, options).format(d);
    },
    tierName(tier) {
      return localizedTierName(tier.id, locale, locale === 'en' && tier.name ? { [tier.id]: tier.name } : undefined);
    },
    money(minor, currency) {
      const value = typeof minor === 'string' ? Number(minor) : minor;
      try {
        return numerals(numberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(value));
      } catch {
        return `${numerals(numberFormat(locale).format(value))} ${currency}`;
      }
    },
  };
}
