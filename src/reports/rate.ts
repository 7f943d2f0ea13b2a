import type { Rate } from './schemas.js';

/** A rate with its parts: the value is rounded to 6 places for display; null when nothing was counted. */
export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : Math.round((numerator / denominator) * 1e6) / 1e6 };
}
