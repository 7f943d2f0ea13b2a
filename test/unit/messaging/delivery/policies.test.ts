import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  capExceeded,
  capPeriods,
  checkAddress,
  consentAllows,
  DEFAULT_FREQUENCY_CAPS,
  parseFrequencyCaps,
  parseQuietHours,
  quietHoursApply,
  quietHoursRelease,
} from '../../../../src/messaging/policies/index.js';

describe('quiet hours', () => {
  const night = parseQuietHours('21:00-08:00');

  it('parses windows and off', () => {
    expect(night).toEqual({ startMinute: 21 * 60, endMinute: 8 * 60 });
    expect(parseQuietHours('off')).toBeUndefined();
    expect(parseQuietHours('08:00-08:00')).toBeUndefined();
    expect(() => parseQuietHours('9-5')).toThrow(RangeError);
  });

  it('holds until 08:00 the next morning in the member zone when it is evening there', () => {
    // 22:30 in Tehran (UTC+3:30) on 1 Dec = 19:00 UTC.
    expect(quietHoursRelease(new Date('2026-12-01T19:00:00Z'), 'Asia/Tehran', night)).toEqual(new Date('2026-12-02T04:30:00Z'));
  });

  it('holds until 08:00 the same morning after midnight', () => {
    // 03:00 in New York (UTC-5) = 08:00 UTC.
    expect(quietHoursRelease(new Date('2026-12-02T08:00:00Z'), 'America/New_York', night)).toEqual(new Date('2026-12-02T13:00:00Z'));
  });

  it('lets daytime messages go', () => {
    expect(quietHoursRelease(new Date('2026-12-02T12:00:00Z'), 'Europe/London', night)).toBeUndefined();
    expect(quietHoursRelease(new Date('2026-12-02T08:00:00Z'), 'Europe/London', night)).toBeUndefined(); // 08:00 sharp: open
    expect(quietHoursRelease(new Date('2026-12-02T21:00:00Z'), 'Europe/London', night)).toEqual(new Date('2026-12-03T08:00:00Z'));
  });

  it('a non-wrapping window (13:00-14:00)', () => {
    const lunch = parseQuietHours('13:00-14:00');
    expect(quietHoursRelease(new Date('2026-12-02T13:30:00Z'), 'UTC', lunch)).toEqual(new Date('2026-12-02T14:00:00Z'));
    expect(quietHoursRelease(new Date('2026-12-02T14:00:00Z'), 'UTC', lunch)).toBeUndefined();
  });

  it('applies to marketing on every channel and to SMS; never to test-sends', () => {
    expect(quietHoursApply('marketing', 'email')).toBe(true);
    expect(quietHoursApply('transactional', 'sms')).toBe(true);
    expect(quietHoursApply('transactional', 'email')).toBe(false);
    expect(quietHoursApply('transactional', 'inbox')).toBe(false);
    expect(quietHoursApply('test', 'sms')).toBe(false);
  });

  it('a hold across the fall-back night lasts the night plus the repeated hour', () => {
    // 21:00 EDT on 2027-11-06; the window opens at 08:00 EST, twelve hours later.
    const until = quietHoursRelease(new Date(1825549200000), 'America/New_York', night);
    expect(until?.toISOString()).toBe('2027-11-07T13:00:00.000Z');
  });

  it('property: a held message is released at the first instant outside the window, within a day', () => {
    const zones = ['UTC', 'Asia/Tehran', 'America/New_York', 'Europe/London', 'Australia/Adelaide'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const now = new Date(ms);
        const until = quietHoursRelease(now, zone, night);
        if (!until) return;
        expect(until.getTime()).toBeGreaterThan(now.getTime());
        // An 11-hour night, one hour longer on the night clocks fall back (New York 2027-11-07).
        expect(until.getTime() - now.getTime()).toBeLessThanOrEqual(12 * 3600_000 + 60_000);
        expect(quietHoursRelease(until, zone, night)).toBeUndefined();
      }),
    );
  });
});

describe('frequency caps', () => {
  it('defaults: diamond one marketing message a week, bronze three (and one a day)', () => {
    expect(DEFAULT_FREQUENCY_CAPS.diamond).toEqual({ week: 1 });
    expect(DEFAULT_FREQUENCY_CAPS.bronze).toEqual({ day: 1, week: 3 });
  });

  it('parses the FREQUENCY_CAPS setting and rejects nonsense', () => {
    expect(parseFrequencyCaps('{"gold":{"week":2,"day":1}}')).toEqual({ gold: { week: 2, day: 1 } });
    expect(parseFrequencyCaps(undefined)).toBe(DEFAULT_FREQUENCY_CAPS);
    expect(() => parseFrequencyCaps('{')).toThrow(/not JSON/);
    expect(() => parseFrequencyCaps('{"gold":{"month":2}}')).toThrow();
    expect(() => parseFrequencyCaps('{"gold":{"week":-1}}')).toThrow();
  });

  it('which limit one more message would break', () => {
    expect(capExceeded({ day: 1, week: 3 }, 0, 0)).toBeUndefined();
    expect(capExceeded({ day: 1, week: 3 }, 1, 1)).toBe('day');
    expect(capExceeded({ day: 1, week: 3 }, 0, 3)).toBe('week');
    expect(capExceeded({ week: 1 }, 5, 0)).toBeUndefined();
    expect(capExceeded(undefined, 100, 100)).toBeUndefined();
    expect(capExceeded({ week: 0 }, 0, 0)).toBe('week');
  });

  it('calendar day and week in the member zone: Persian weeks start on Saturday, others on Monday', () => {
    // Wednesday 2 Dec 2026, 10:00 in Tehran.
    const tehran = capPeriods(new Date('2026-12-02T06:30:00Z'), 'Asia/Tehran', 'fa');
    expect(tehran.dayStart).toEqual(new Date('2026-12-01T20:30:00Z'));
    expect(tehran.weekStart).toEqual(new Date('2026-11-27T20:30:00Z')); // Saturday 28 Nov 00:00 Tehran
    const london = capPeriods(new Date('2026-12-02T06:30:00Z'), 'Europe/London', 'en');
    expect(london.dayStart).toEqual(new Date('2026-12-02T00:00:00Z'));
    expect(london.weekStart).toEqual(new Date('2026-11-30T00:00:00Z')); // Monday
  });
});

describe('consent', () => {
  it('marketing needs an explicit opt-in per channel', () => {
    expect(consentAllows({}, 'email', 'marketing')).toBe(false);
    expect(consentAllows({ email: { marketing: true } }, 'email', 'marketing')).toBe(true);
    expect(consentAllows({ email: { marketing: true } }, 'sms', 'marketing')).toBe(false);
    expect(consentAllows(null, 'inbox', 'marketing')).toBe(false);
  });
  it('transactional goes unless opted out on that channel; test-sends always', () => {
    expect(consentAllows({}, 'email', 'transactional')).toBe(true);
    expect(consentAllows({ sms: { transactional: false } }, 'sms', 'transactional')).toBe(false);
    expect(consentAllows({ sms: { transactional: false } }, 'email', 'transactional')).toBe(true);
    expect(consentAllows({ email: { transactional: false, marketing: false } }, 'email', 'test')).toBe(true);
  });
});

describe('addresses', () => {
  it('accepts and normalizes valid ones', () => {
    expect(checkAddress('email', ' Sara@Example.COM ')).toBe('sara@example.com');
    expect(checkAddress('sms', '+989121234567')).toBe('+989121234567');
    expect(checkAddress('inbox', 'member-1')).toBe('member-1');
  });
  it.each([
    ['email', 'not-an-address', 'invalid_recipient'],
    ['email', 'a@b', 'invalid_recipient'],
    ['email', null, 'missing_recipient'],
    ['sms', '09121234567', 'invalid_recipient'],
    ['sms', '+0123', 'invalid_recipient'],
    ['sms', undefined, 'missing_recipient'],
  ] as const)('%s %s → %s', (channel, address, code) => {
    expect(() => checkAddress(channel, address)).toThrow(expect.objectContaining({ code }));
  });
});
