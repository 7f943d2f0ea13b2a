// Streak arithmetic over numbered periods: pure data, workflow-safe (the mission workflow runs it;
// the calendar that numbers the member's local days and weeks is ./streak.ts, outside workflows).

export interface StreakState {
  /** The period in which a run first reached the target, if one did. */
  completedAt: number | null;
  /** The run ending at the latest period with an event (0 when there is none). */
  current: number;
  /** The latest period with an event. */
  last: number | null;
}

/** What a set of periods with counted events amounts to (order and repeats do not matter). */
export function evaluateStreak(periods: Iterable<number>, target: number): StreakState {
  const sorted = [...new Set(periods)].sort((a, b) => a - b);
  let completedAt: number | null = null;
  let run = 0;
  for (let i = 0; i < sorted.length; i++) {
    run = i > 0 && sorted[i] === sorted[i - 1]! + 1 ? run + 1 : 1;
    if (completedAt === null && run >= target) completedAt = sorted[i]!;
  }
  return { completedAt, current: run, last: sorted.length > 0 ? sorted[sorted.length - 1]! : null };
}

/**
 * The period whose lack of an event breaks the streak: the one after the latest period with an
 * event (or, before any event, the attempt's first period). It is decided once it has ended and
 * the late-event grace has passed.
 */
export function streakWatchPeriod(state: StreakState, firstPeriod: number): number {
  return state.last === null ? firstPeriod : state.last + 1;
}
