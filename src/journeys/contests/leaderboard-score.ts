/*
 * Leaderboard scores pack the contest score and the time it was reached into one number that
 * sorts correctly in a Redis sorted set (IEEE doubles, exact for integers below 2^53):
 *
 *   sortKey = score * 2^23 + (2^23 - 1 - elapsedUnits)
 *
 * where elapsedUnits = floor((reachedAt - contestStart) / unit). A higher score always wins; at
 * equal scores, whoever reached it earlier has more units left and ranks higher. The unit is the
 * finest of 1 ms, 10 ms, 100 ms, 1 s, 1 min, 1 h in which the whole window fits in 23 bits
 * (a 90-day contest uses seconds), which leaves 30 bits, about 1.07 billion, for the score.
 * Members still equal after that (same score within one unit) are ordered by member id, the
 * same rule the persisted final standings use (there the time is compared to the millisecond).
 */

export const TIME_BITS = 23;
const TIME_SPAN = 2 ** TIME_BITS;
export const MAX_SCORE = 2 ** (53 - TIME_BITS) - 1;
const UNITS_MS = [1, 10, 100, 1000, 60_000, 3_600_000];

export function timeUnitMs(windowMs: number): number {
  for (const unit of UNITS_MS) if (Math.ceil(windowMs / unit) < TIME_SPAN) return unit;
  return UNITS_MS[UNITS_MS.length - 1]!;
}

export function encodeLeaderboardScore(score: number, reachedAtMs: number, window: { startsAtMs: number; endsAtMs: number }): number {
  const unit = timeUnitMs(window.endsAtMs - window.startsAtMs);
  const clamped = Math.min(Math.max(0, Math.trunc(score)), MAX_SCORE);
  const elapsed = Math.min(TIME_SPAN - 1, Math.max(0, Math.floor((reachedAtMs - window.startsAtMs) / unit)));
  return clamped * TIME_SPAN + (TIME_SPAN - 1 - elapsed);
}

export function decodeLeaderboardScore(sortKey: number): number {
  return Math.floor(sortKey / TIME_SPAN);
}
