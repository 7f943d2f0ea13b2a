import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MissionInputSchema } from '../../../src/journeys/missions/definition.js';
import { missionPeriodFor, STREAK_OPEN_END } from '../../../src/journeys/missions/period.js';
import {
  evaluateStreak,
  streakPeriodEnd,
  streakPeriodFirstDate,
  streakPeriodIndex,
  streakPeriodStart,
  streakWatchPeriod,
  type StreakCalendar,
} from '../../../src/journeys/missions/streak.js';
import { calendar, type LocalDateTime, type Weekday } from '../../../src/program/index.js';

// Zones with DST at or near midnight (Santiago, Havana, Beirut), half-hour offsets and DST
// (Lord Howe), no DST (Tehran since 2022, Kolkata), and the usual ones.
const ZONES = ['Asia/Tehran', 'UTC', 'America/New_York', 'Europe/Berlin', 'America/Santiago', 'America/Havana', 'Asia/Beirut', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Auckland', 'America/Sao_Paulo'];
const WEEKDAYS: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }).map((ms) => new Date(ms));
const cal = fc.record({ unit: fc.constantFrom<'day' | 'week'>('day', 'week'), timeZone: fc.constantFrom(...ZONES), weekStartsOn: fc.constantFrom(...WEEKDAYS) });

/** The oracle: the first period ending a run of `target`, and the run ending at the last period. */
function oracle(periods: number[], target: number) {
  const set = new Set(periods);
  const sorted = [...set].sort((a, b) => a - b);
  const runAt = (p: number) => {
    let n = 0;
    while (set.has(p - n)) n++;
    return n;
  };
  const completedAt = sorted.find((p) => runAt(p) >= target) ?? null;
  const last = sorted.at(-1) ?? null;
  return { completedAt, current: last === null ? 0 : runAt(last), last };
}

describe('streak periods: the member’s local days and weeks', () => {
  it('property: every instant lies in its period, between the period’s start and end; a start is in its own period', () => {
    fc.assert(
      fc.property(instant, cal, (at, c: StreakCalendar) => {
        const k = streakPeriodIndex(at, c);
        expect(streakPeriodStart(k, c).getTime()).toBeLessThanOrEqual(at.getTime());
        expect(streakPeriodEnd(k, c).getTime()).toBeGreaterThan(at.getTime());
        expect(streakPeriodIndex(streakPeriodStart(k, c), c)).toBe(k);
        expect(streakPeriodStart(k + 1, c).getTime()).toBe(streakPeriodEnd(k, c).getTime());
      }),
      { numRuns: 400 },
    );
  });

  it('property: across the member’s midnight the period moves by exactly one; within a local day it does not', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (at, timeZone) => {
        const c: StreakCalendar = { unit: 'day', timeZone, weekStartsOn: 'monday' };
        const k = streakPeriodIndex(at, c);
        const midnight = streakPeriodEnd(k, c);
        expect(streakPeriodIndex(new Date(midnight.getTime() - 1), c)).toBe(k);
        expect(streakPeriodIndex(midnight, c)).toBe(k + 1);
        // The period is the member's local date, whatever the UTC date is.
        expect(calendar.formatLocalDate(streakPeriodFirstDate(k, c))).toBe(calendar.formatLocalDate(calendar.toLocalDate(at, timeZone)));
        const dayStart = streakPeriodStart(k, c);
        expect(streakPeriodIndex(new Date((dayStart.getTime() + midnight.getTime() - 1) / 2), c)).toBe(k);
      }),
      { numRuns: 400 },
    );
  });

  it('property: a week is seven local days starting on the program’s week start, numbered one after another', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), fc.constantFrom(...WEEKDAYS), (at, timeZone, weekStartsOn) => {
        const week: StreakCalendar = { unit: 'week', timeZone, weekStartsOn };
        const k = streakPeriodIndex(at, week);
        const first = streakPeriodFirstDate(k, week);
        expect(calendar.weekdayOf(first)).toBe(WEEKDAYS.indexOf(weekStartsOn) === 6 ? 0 : WEEKDAYS.indexOf(weekStartsOn) + 1);
        for (let d = 0; d < 7; d++) {
          expect(streakPeriodIndex(calendar.startOfLocalDate(calendar.addDaysToLocalDate(first, d), timeZone), week)).toBe(k);
        }
        expect(streakPeriodIndex(calendar.startOfLocalDate(calendar.addDaysToLocalDate(first, 7), timeZone), week)).toBe(k + 1);
        expect(streakPeriodIndex(calendar.startOfLocalDate(calendar.addDaysToLocalDate(first, -1), timeZone), week)).toBe(k - 1);
      }),
      { numRuns: 200 },
    );
  });

  it('the same instants are different days for members in different zones (the member’s midnight, not the program’s)', () => {
    // 20:25 UTC is 23:55 in Tehran; 20:35 UTC is 00:05 the next day there, and still the same day in Berlin.
    const before = new Date('2026-12-06T20:25:00Z');
    const after = new Date('2026-12-06T20:35:00Z');
    const tehran: StreakCalendar = { unit: 'day', timeZone: 'Asia/Tehran', weekStartsOn: 'saturday' };
    const berlin: StreakCalendar = { ...tehran, timeZone: 'Europe/Berlin' };
    expect(streakPeriodIndex(after, tehran) - streakPeriodIndex(before, tehran)).toBe(1);
    expect(streakPeriodIndex(after, berlin) - streakPeriodIndex(before, berlin)).toBe(0);
    // A DST day is still one period: New York's 2026-03-08 has 23 hours.
    const ny: StreakCalendar = { ...tehran, timeZone: 'America/New_York' };
    const k = streakPeriodIndex(new Date('2026-03-08T12:00:00Z'), ny);
    expect(streakPeriodEnd(k, ny).getTime() - streakPeriodStart(k, ny).getTime()).toBe(23 * 3_600_000);
    expect(streakPeriodStart(k, ny).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });
});

describe('streaks: runs of consecutive periods', () => {
  it('property: completion, the current run and the watched period agree with the oracle, whatever the order and repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }), fc.integer({ min: 2, max: 10 }), (periods, target) => {
        const expected = oracle(periods, target);
        const state = evaluateStreak(periods, target);
        expect(state).toEqual(expected);
        expect(evaluateStreak([...periods].reverse().concat(periods), target)).toEqual(expected);
        expect(streakWatchPeriod(state, 0)).toBe(expected.last === null ? 0 : expected.last + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a member who acts every period completes on the target-th; one missed period restarts the count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: -1000, max: 1000 }), (target, missAt, start) => {
        const every = Array.from({ length: target }, (_, i) => start + i);
        expect(evaluateStreak(every, target).completedAt).toBe(start + target - 1);
        if (missAt >= target - 1 || missAt === 0) return;
        // Missing one period in the middle: no completion until target periods after the gap.
        const withGap = Array.from({ length: target }, (_, i) => start + i).filter((p) => p !== start + missAt);
        const s = evaluateStreak(withGap, target);
        expect(s.completedAt).toBeNull();
        expect(s.current).toBe(target - 1 - missAt);
      }),
      { numRuns: 500 },
    );
  });

  it('a 7-day login streak in Tehran: broken by one missed local day, restarted by the next login', () => {
    const tehran: StreakCalendar = { unit: 'day', timeZone: 'Asia/Tehran', weekStartsOn: 'saturday' };
    const at = (local: string) => calendar.fromLocalDateTime(parseLocal(local), 'Asia/Tehran');
    const logins = ['2026-12-01T08:00', '2026-12-02T23:59', '2026-12-03T00:01', '2026-12-04T12:00', /* 12-05 missed */ '2026-12-06T00:00', '2026-12-07T21:00'];
    const periods = logins.map((l) => streakPeriodIndex(at(l), tehran));
    const s = evaluateStreak(periods, 7);
    expect(s).toMatchObject({ completedAt: null, current: 2 });
    const full = [...periods, ...['2026-12-08T09:00', '2026-12-09T09:00', '2026-12-10T09:00', '2026-12-11T09:00', '2026-12-12T23:59'].map((l) => streakPeriodIndex(at(l), tehran))];
    expect(evaluateStreak(full, 7).completedAt).toBe(streakPeriodIndex(at('2026-12-12T12:00'), tehran));
  });

  it('4 weeks with a purchase: weeks start on the program’s week start', () => {
    const week: StreakCalendar = { unit: 'week', timeZone: 'Asia/Tehran', weekStartsOn: 'saturday' };
    const at = (local: string) => calendar.fromLocalDateTime(parseLocal(local), 'Asia/Tehran');
    // Fri 2026-12-04 and Sat 2026-12-05 are in different weeks when weeks start on Saturday.
    expect(streakPeriodIndex(at('2026-12-05T00:00'), week) - streakPeriodIndex(at('2026-12-04T23:59'), week)).toBe(1);
    const purchases = ['2026-11-14T10:00', '2026-11-27T10:00', '2026-12-04T23:59', '2026-12-05T00:30'].map((l) => streakPeriodIndex(at(l), week));
    expect(evaluateStreak(purchases, 4).completedAt).toBe(streakPeriodIndex(at('2026-12-05T00:30'), week));
    const gap = ['2026-11-14T10:00', '2026-11-27T10:00', '2026-12-05T00:30'].map((l) => streakPeriodIndex(at(l), week));
    expect(evaluateStreak(gap, 4)).toMatchObject({ completedAt: null, current: 1 });
  });
});

describe('streak missions: definition and attempts', () => {
  const base = { id: 'login-7', name: 'Seven days', trigger: 'login', rewardPoints: 100 };
  it('a streak goal goes with a streak period and only with it', () => {
    expect(MissionInputSchema.safeParse({ ...base, goal: { type: 'streak', target: 7 }, period: { type: 'streak', unit: 'day' } }).success).toBe(true);
    expect(MissionInputSchema.safeParse({ ...base, goal: { type: 'streak', target: 7 }, period: { type: 'calendar_month' } }).success).toBe(false);
    expect(MissionInputSchema.safeParse({ ...base, goal: { type: 'count', target: 7 }, period: { type: 'streak', unit: 'week' } }).success).toBe(false);
    expect(MissionInputSchema.safeParse({ ...base, goal: { type: 'streak', target: 1 }, period: { type: 'streak', unit: 'day' } }).success).toBe(false);
  });

  it('an attempt starts at the member’s local midnight of its first event, is keyed by that date and stays open', () => {
    const mission = MissionInputSchema.parse({ ...base, goal: { type: 'streak', target: 7 }, period: { type: 'streak', unit: 'day' } });
    const bounds = missionPeriodFor(mission, new Date('2026-12-06T20:35:00Z'), 'Asia/Tehran', 'saturday');
    expect(bounds).toEqual({ key: 's2026-12-07', startsAt: new Date('2026-12-06T20:30:00Z'), endsAt: STREAK_OPEN_END });
  });
});

function parseLocal(s: string): LocalDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s)!;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: 0, millisecond: 0 };
}
