import { calendar, type Weekday } from '../../program/index.js';
import type { MissionDefinition } from './definition.js';
import { streakPeriodIndex, streakPeriodKey, streakPeriodStart } from './streak.js';

/** A streak attempt's window stays open until it completes or breaks (then it is closed at that period's end). */
export const STREAK_OPEN_END = new Date('9999-01-01T00:00:00Z');

export interface MissionPeriodBounds {
  /** Stable part of the workflow id: `2026-11` (calendar month), `once`, or the enrollment instant. */
  key: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * The period a member enrolling at `at` joins. Calendar months are in the program time zone and
 * keyed by the local month; enrollment-relative periods are keyed by the enrollment instant in
 * seconds (or `once` when the mission does not recur), so the same first event always yields the
 * same workflow id. A streak attempt is keyed `s<first local date>` (`timeZone` is then the
 * member's) and stays open until the workflow completes or closes it.
 */
export function missionPeriodFor(mission: MissionDefinition, at: Date, timeZone: string, weekStartsOn: Weekday = 'monday'): MissionPeriodBounds {
  const period = mission.period;
  if (period.type === 'streak') {
    // An attempt starts at the local period of its first event; later attempts start after it ends.
    const cal = { unit: period.unit, timeZone, weekStartsOn };
    const index = streakPeriodIndex(at, cal);
    return { key: `s${streakPeriodKey(index, cal)}`, startsAt: streakPeriodStart(index, cal), endsAt: STREAK_OPEN_END };
  }
  if (period.type === 'calendar_month') {
    const startsAt = calendar.startOfLocalMonth(at, timeZone);
    const endsAt = calendar.addLocalMonths(startsAt, 1, timeZone);
    const local = calendar.toLocalDate(at, timeZone);
    const month = `${local.year}-${String(local.month).padStart(2, '0')}`;
    return { key: mission.recurrence === 'once' ? 'once' : month, startsAt, endsAt };
  }
  const lengthMs = period.days !== undefined ? period.days * 86_400_000 : period.seconds! * 1000;
  const startsAt = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return { key: mission.recurrence === 'once' ? 'once' : `e${Math.floor(at.getTime() / 1000)}`, startsAt, endsAt: new Date(startsAt.getTime() + lengthMs) };
}

export function missionWorkflowId(missionId: string, memberId: string, periodKey: string): string {
  return `mission:${missionId}:${memberId}:${periodKey}`;
}
