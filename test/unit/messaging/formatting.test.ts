import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calendarDaysBetween,
  choosePlural,
  currencyExponent,
  formatDate,
  formatInteger,
  formatMoney,
  formatMoneyValue,
  formatRelativeDays,
  intlLocale,
  localizedTierName,
  minorUnitsToDecimal,
  textDirection,
} from '../../../src/messaging/templates/index.js';

const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_INDIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/** Every digit in the output, as ASCII, in order. */
function digitsOf(formatted: string): string {
  return [...formatted]
    .map((char) => {
      if (/[0-9]/.test(char)) return char;
      const persian = PERSIAN_DIGITS.indexOf(char);
      if (persian >= 0) return String(persian);
      const arabic = ARABIC_INDIC_DIGITS.indexOf(char);
      return arabic >= 0 ? String(arabic) : '';
    })
    .join('');
}

describe('points', () => {
  it('groups digits in the member locale', () => {
    expect(formatInteger(1234567, 'en')).toBe('1,234,567');
    expect(formatInteger(1234567, 'fa')).toBe('۱٬۲۳۴٬۵۶۷');
    expect(formatInteger('98765432109876543210', 'en')).toBe('98,765,432,109,876,543,210');
    expect(formatInteger(12n, 'fa-IR')).toBe('۱۲');
    expect(formatInteger(-1500, 'en')).toBe('-1,500');
  });

  it('rejects anything that is not an integer', () => {
    for (const bad of [1.5, '12.0', 'abc', Number.MAX_SAFE_INTEGER + 2, undefined, null, {}, NaN]) {
      expect(() => formatInteger(bad, 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
    }
  });

  it('property: the digits round-trip exactly, in en and fa, for any bigint', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.constantFrom('en', 'fa', 'fa-IR', 'en-GB'), (value, locale) => {
        const formatted = formatInteger(value, locale);
        const abs = value < 0n ? -value : value;
        expect(BigInt(digitsOf(formatted))).toBe(abs);
        if (locale.startsWith('fa')) expect(formatted).not.toMatch(/[0-9]/);
      }),
    );
  });
});

describe('money in integer minor units', () => {
  it('builds the exact decimal with integer arithmetic', () => {
    expect(minorUnitsToDecimal(12345n, 2)).toBe('123.45');
    expect(minorUnitsToDecimal(-5n, 2)).toBe('-0.05');
    expect(minorUnitsToDecimal(0n, 3)).toBe('0.000');
    expect(minorUnitsToDecimal(7n, 0)).toBe('7');
    expect(minorUnitsToDecimal(123456789012345678901234567890n, 2)).toBe('1234567890123456789012345678.90');
  });

  it('formats per currency and locale', () => {
    expect(formatMoney(123456, 'USD', 'en')).toBe('$1,234.56');
    expect(formatMoney('5', 'EUR', 'en')).toBe('€0.05');
    expect(formatMoney(2_000_000, 'IRT', 'en')).toBe('2,000,000 toman');
    expect(formatMoney(2_000_000, 'IRT', 'fa')).toBe('۲٬۰۰۰٬۰۰۰ تومان');
    expect(formatMoney(1234567, 'KWD', 'en')).toBe('KWD\u00a01,234.567');
    expect(formatMoney('900719925474099312345', 'USD', 'en')).toBe('$9,007,199,254,740,993,123.45');
    expect(formatMoneyValue({ amountMinor: '45000000', currency: 'IRT' }, 'fa')).toBe('۴۵٬۰۰۰٬۰۰۰ تومان');
    expect(digitsOf(formatMoney(123456, 'USD', 'fa'))).toBe('123456');
    expect(formatMoney(123456, 'USD', 'fa')).not.toMatch(/[0-9]/);
    expect(formatMoney(5000, 'IRR', 'fa')).toContain('۵٬۰۰۰');
  });

  it('knows the minor unit of each currency', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('IRR')).toBe(0);
    expect(currencyExponent('IRT')).toBe(0);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('SEK')).toBe(2);
  });

  it('rejects floats, bad amounts and bad currencies', () => {
    expect(() => formatMoney(12.5, 'USD', 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
    expect(() => formatMoney('1e5', 'USD', 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
    expect(() => formatMoney(100, 'usd', 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
    expect(() => formatMoneyValue(100, 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
  });

  it('property: formatted minor units round-trip their digits, never through a float', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
        fc.constantFrom('USD', 'EUR', 'IRR', 'IRT', 'JPY', 'KWD', 'GBP'),
        fc.constantFrom('en', 'fa'),
        (amount, currency, locale) => {
          const formatted = formatMoney(amount, currency, locale);
          const digits = digitsOf(formatted);
          const abs = amount < 0n ? -amount : amount;
          expect(BigInt(digits)).toBe(abs);
          // every fraction digit is printed: the digit count is exactly the padded width
          expect(digits.length).toBe(Math.max(abs.toString().length, currencyExponent(currency) + 1));
          expect(/[-−]/.test(formatted)).toBe(amount < 0n);
        },
      ),
    );
  });
});

describe('dates in the member calendar and time zone', () => {
  const instant = new Date('2026-11-25T12:00:00Z');

  it('fa uses the Persian calendar with Persian digits (pinned against ICU)', () => {
    expect(intlLocale('fa')).toBe('fa-u-ca-persian-nu-arabext');
    expect(formatDate(instant, { locale: 'fa', timeZone: 'Asia/Tehran', style: 'short' })).toBe('۱۴۰۵/۹/۴');
    expect(formatDate(instant, { locale: 'fa', timeZone: 'Asia/Tehran' })).toBe('۴ آذر ۱۴۰۵');
    expect(formatDate('2026-11-25T12:00:00Z', { locale: 'fa-IR', timeZone: 'Asia/Tehran', style: 'medium' })).toBe('۴ آذر ۱۴۰۵');
    expect(formatDate(instant, { locale: 'fa', timeZone: 'Asia/Tehran', style: 'full' })).toContain('چهارشنبه');
  });

  it('en uses the Gregorian calendar', () => {
    expect(formatDate(instant, { locale: 'en', timeZone: 'Europe/London' })).toBe('November 25, 2026');
    expect(formatDate(instant, { locale: 'en-GB', timeZone: 'Europe/London' })).toBe('25 November 2026');
    expect(formatDate(instant.getTime(), { locale: 'en', timeZone: 'UTC', style: 'medium' })).toBe('Nov 25, 2026');
  });

  it('the time zone decides the calendar day', () => {
    const lateEvening = new Date('2026-11-25T21:00:00Z');
    expect(formatDate(lateEvening, { locale: 'en', timeZone: 'America/New_York' })).toBe('November 25, 2026');
    expect(formatDate(lateEvening, { locale: 'en', timeZone: 'Asia/Tehran' })).toBe('November 26, 2026');
    expect(formatDate(lateEvening, { locale: 'fa', timeZone: 'Asia/Tehran' })).toBe('۵ آذر ۱۴۰۵');
  });

  it('rejects bad dates and unknown zones', () => {
    expect(() => formatDate('yesterday', { locale: 'en', timeZone: 'UTC' })).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
    expect(() => formatDate(instant, { locale: 'en', timeZone: 'Mars/Olympus' })).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
  });

  it('relative days count calendar days in the member zone', () => {
    const now = new Date('2026-11-20T08:30:00Z');
    expect(calendarDaysBetween(now, new Date('2026-11-25T20:29:59Z'), 'Asia/Tehran')).toBe(5);
    expect(calendarDaysBetween(now, new Date('2026-11-20T20:29:59Z'), 'Asia/Tehran')).toBe(0);
    expect(calendarDaysBetween(now, new Date('2026-11-20T21:00:00Z'), 'Asia/Tehran')).toBe(1);
    expect(calendarDaysBetween(now, new Date('2026-11-20T21:00:00Z'), 'UTC')).toBe(0);
    expect(formatRelativeDays('2026-11-25T20:29:59Z', { now, locale: 'en', timeZone: 'Asia/Tehran' })).toBe('in 5 days');
    expect(formatRelativeDays('2026-11-25T20:29:59Z', { now, locale: 'fa', timeZone: 'Asia/Tehran' })).toBe('۵ روز دیگر');
    expect(formatRelativeDays('2026-11-21T10:00:00Z', { now, locale: 'en', timeZone: 'UTC' })).toBe('tomorrow');
    expect(formatRelativeDays('2026-11-21T10:00:00Z', { now, locale: 'fa', timeZone: 'UTC' })).toBe('فردا');
    expect(formatRelativeDays(now, { now, locale: 'en', timeZone: 'UTC' })).toBe('today');
    expect(formatRelativeDays('2026-11-17T10:00:00Z', { now, locale: 'en', timeZone: 'UTC' })).toBe('3 days ago');
  });
});

describe('pluralize, tier names, direction', () => {
  it('chooses the plural form by the locale rules', () => {
    expect(choosePlural(1, { one: 'point', other: 'points' }, 'en')).toBe('point');
    expect(choosePlural(2, { one: 'point', other: 'points' }, 'en')).toBe('points');
    expect(choosePlural(0, { one: 'point', other: 'points' }, 'en')).toBe('points');
    expect(choosePlural(0, { zero: 'no points', one: 'point', other: 'points' }, 'en')).toBe('no points');
    expect(choosePlural('1', { one: 'امتیاز', other: 'امتیاز' }, 'fa')).toBe('امتیاز');
    expect(choosePlural(10n ** 30n + 1n, { one: 'point', other: 'points' }, 'en')).toBe('points');
    expect(() => choosePlural(1.5, { one: 'a', other: 'b' }, 'en')).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
  });

  it('names tiers in the locale', () => {
    expect(localizedTierName('gold', 'en')).toBe('Gold');
    expect(localizedTierName('gold', 'fa')).toBe('طلایی');
    expect(localizedTierName('diamond', 'fa-IR')).toBe('الماس');
    expect(localizedTierName('vip_plus', 'en')).toBe('Vip Plus');
    expect(localizedTierName('gold', 'de')).toBe('Gold');
    expect(localizedTierName('gold', 'en', { gold: 'Laurel Gold' })).toBe('Laurel Gold');
  });

  it('knows right-to-left languages', () => {
    expect(textDirection('fa')).toBe('rtl');
    expect(textDirection('fa-IR')).toBe('rtl');
    expect(textDirection('ar')).toBe('rtl');
    expect(textDirection('en')).toBe('ltr');
  });
});
