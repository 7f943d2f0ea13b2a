import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { calendar } from '../../program/index.js';

/** Marketing messages allowed per member per local calendar day and/or week. */
export interface FrequencyCap {
  day?: number | undefined;
  week?: number | undefined;
}

export type FrequencyCaps = Readonly<Record<string, FrequencyCap>>;

/** Top tiers want few, high-value offers. Tiers not listed are uncapped. */
export const DEFAULT_FREQUENCY_CAPS: FrequencyCaps = {
  diamond: { week: 1 },
  gold: { week: 2 },
  silver: { day: 1, week: 3 },
  bronze: { day: 1, week: 3 },
};

const CapsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  z.strictObject({ day: z.number().int().min(0).optional(), week: z.number().int().min(0).optional() }),
);

export function parseFrequencyCaps(json: string | undefined): FrequencyCaps {
  if (json === undefined) return DEFAULT_FREQUENCY_CAPS;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ValidationError('invalid_config', `FREQUENCY_CAPS is not JSON: ${(err as Error).message}`);
  }
  const parsed = CapsSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError('invalid_config', `FREQUENCY_CAPS: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { issues: parsed.error.issues });
  return parsed.data;
}

/** Persian calendars start the week on Saturday; everyone else here on Monday. */
export function weekStartFor(locale: string): calendar.Weekday {
  return locale.startsWith('fa') ? 'saturday' : 'monday';
}

export interface CapPeriods {
  dayStart: Date;
  weekStart: Date;
}

/** The member's current calendar day and week, as UTC instants. */
export function capPeriods(now: Date, timeZone: string, locale: string): CapPeriods {
  return {
    dayStart: calendar.startOfLocalDay(now, timeZone),
    weekStart: calendar.startOfLocalWeek(now, timeZone, weekStartFor(locale)),
  };
}

/** Which limit one more marketing message would break, given what was sent this day and week. */
export function capExceeded(cap: FrequencyCap | undefined, sentToday: number, sentThisWeek: number): 'day' | 'week' | undefined {
  if (!cap) return undefined;
  if (cap.day !== undefined && sentToday >= cap.day) return 'day';
  if (cap.week !== undefined && sentThisWeek >= cap.week) return 'week';
  return undefined;
}
