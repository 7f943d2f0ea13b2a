import { describe, expect, it } from 'vitest';
import { createFormatter, persianNumerals } from '../../src/shared/i18n/format.js';

/** fa numbers: Persian digits with the Persian thousands (٬ U+066C) and decimal (٫ U+066B) separators, never a Latin comma or point. */
describe('number formatting', () => {
  const fa = createFormatter('fa');
  const en = createFormatter('en');

  it('fa groups thousands with ٬ and writes Persian digits', () => {
    expect(fa.number(1234567)).toBe('۱٬۲۳۴٬۵۶۷');
    expect(fa.number(1000)).toBe('۱٬۰۰۰');
    expect(fa.number('-98765432109876543210')).toMatch(/۹۸٬۷۶۵٬۴۳۲٬۱۰۹٬۸۷۶٬۵۴۳٬۲۱۰$/);
    expect(fa.percent(1, 8)).toBe('۱۲٫۵٪');
    for (const n of [0, 7, 999, 1000, 65_432, 1_000_000_000]) expect(fa.number(n)).not.toMatch(/[0-9,.]/);
  });

  it('en stays Western', () => {
    expect(en.number(1234567)).toBe('1,234,567');
    expect(en.percent(1, 8)).toBe('12.5%');
  });

  it('an engine that gives Latin digits or separators in fa still shows Persian ones', () => {
    expect(persianNumerals('1,234,567')).toBe('۱٬۲۳۴٬۵۶۷');
    expect(persianNumerals('۱,۲۳۴.۵')).toBe('۱٬۲۳۴٫۵');
    expect(persianNumerals('+۱٬۰۰۰')).toBe('+۱٬۰۰۰');
  });
});
