/**
 * The chaos run's fault schedule, from a seed alone (pure: no clock, no I/O), so a printed seed
 * replays the same faults in the same order at the same points of the workload.
 *
 * A fault fires when the ingest has answered a given fraction of its events (progress, not wall
 * time: a loaded machine slows the run down, not the order of what happens in it). Each round kills
 * every target once, in an order shuffled from the seed; the points are stratified over
 * [from, to] so that faults are spread across the run and never share a moment.
 */
export const FAULT_TARGETS = ['api', 'worker', 'journeys', 'redis', 'postgres'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export interface Fault {
  /** 0-based position in the run. */
  index: number;
  target: FaultTarget;
  /** Fires once this fraction (0..1) of the ingest's events have been answered. */
  at: number;
  /** How long the target stays down before it is started again. */
  downMs: number;
}

export interface ScheduleOptions {
  /** Every target is killed once per round. */
  rounds: number;
  /** First and last progress fraction a fault may fire at. */
  from?: number;
  to?: number;
  minDownMs?: number;
  maxDownMs?: number;
  targets?: readonly FaultTarget[];
}

/** mulberry32: a small, well-mixed 32-bit generator; enough for a schedule, not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultSchedule(seed: number, options: ScheduleOptions): Fault[] {
  const { rounds, from = 0.05, to = 0.9, minDownMs = 500, maxDownMs = 3000, targets = FAULT_TARGETS } = options;
  if (!Number.isSafeInteger(rounds) || rounds < 0) throw new RangeError('rounds must be a whole number ≥ 0');
  if (!(from >= 0 && from < to && to <= 1)) throw new RangeError('need 0 ≤ from < to ≤ 1');
  if (!(minDownMs >= 0 && minDownMs <= maxDownMs)) throw new RangeError('need 0 ≤ minDownMs ≤ maxDownMs');
  if (targets.length === 0 || new Set(targets).size !== targets.length) throw new RangeError('targets must be distinct and not empty');
  const random = seededRandom(seed);
  const order: FaultTarget[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = [...targets];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    order.push(...round);
  }
  const n = order.length;
  const span = to - from;
  return order.map((target, index) => ({
    index,
    target,
    // Stratified: fault k lands inside the k-th of n equal slices, away from its edges.
    at: from + (span * (index + 0.1 + 0.8 * random())) / n,
    downMs: Math.round(minDownMs + (maxDownMs - minDownMs) * random()),
  }));
}

/** A seed as printed and as given back: a non-negative 32-bit integer. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`seed must be a whole number 0..${0xffffffff}, got ${text}`);
  return n;
}
