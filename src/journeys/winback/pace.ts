// Pure and dependency-free: the win-back workflow imports it.

/** Behind pace: less than the straight line from 0 to the target at this point of the journey. */
export function behindPace(progress: number, target: number, elapsedDays: number, totalDays: number): boolean {
  return progress * totalDays < target * Math.min(elapsedDays, totalDays);
}
