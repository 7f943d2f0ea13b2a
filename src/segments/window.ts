import type { TimeWindow } from './schema.js';

const DAY_MS = 86_400_000;

/** The half-open instant range [from, to) a window covers at `now`. */
export function resolveWindow(window: TimeWindow, now: Date): { from: Date; to: Date } {
  if ('days' in window) return { from: new Date(now.getTime() - window.days * DAY_MS), to: now };
  return { from: new Date(window.from), to: new Date(window.to) };
}

/** The instant `days` days before `now`. */
export function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}
