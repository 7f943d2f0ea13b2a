import { LaurelError, ValidationError } from '../errors/index.js';
import { TWO_POW_64 } from './bytes.js';
import type { Slot } from './slots.js';

/** What the draw loop needs from the entries: T, N and the owner of a ticket. */
export interface TicketBook {
  readonly count: number;
  readonly total: bigint;
  ownerOf(t: bigint): number;
}

export type StepOutcome = 'winner' | 'range' | 'max_wins';

/**
 * One consumed counter. As DRAW-SPEC §5 reads ("x = word(c), c = c + 1 … record (c, …)"), `c` is
 * the counter AFTER consuming the word, i.e. word(c − 1) was used: the first word, word(0), is
 * recorded as c = 1. `x` is that word. `t` and `entry` are absent for a "range" rejection, since
 * x ≥ limit names no ticket.
 */
export interface DrawStep {
  c: number;
  x: bigint;
  slot: number;
  outcome: StepOutcome;
  t: bigint | null;
  entry: number | null;
}

export interface SlotOutcome {
  slot: Slot;
  /** `c` as in DrawStep: the counter after consuming the winning word. */
  winner: { c: number; t: bigint; entry: number } | null;
}

export interface DrawOutcome {
  steps: DrawStep[];
  slots: SlotOutcome[];
  /** The first slot left empty because every entry was at max_wins (or there were no entries). */
  exhaustedAtSlot: number | null;
}

/** limit = 2^64 − (2^64 mod T): the largest multiple of T not above 2^64. */
export function rejectionLimit(total: bigint): bigint {
  if (total < 1n || total >= TWO_POW_64) throw new ValidationError('invalid_ticket_total', `T must be in 1..2^64-1, got ${total}`);
  return TWO_POW_64 - (TWO_POW_64 % total);
}

export interface DrawLoopInput {
  book: TicketBook;
  slots: readonly Slot[];
  maxWins: number;
  /** word(c) of section 4 for this seed. */
  words: (c: number) => bigint;
  /**
   * Stop with `draw_counter_limit` after this many counters; guards against a rules set where
   * the last eligible entry holds a vanishing share of the tickets. Not part of the algorithm.
   */
  maxCounters?: number;
}

const DEFAULT_MAX_COUNTERS = 5_000_000;

/**
 * Section 5 of DRAW-SPEC: fills the slots in order, logging every counter consumed. Pure: the
 * words come from the caller (node:crypto on the server, Web Crypto in the draw page).
 */
export function drawLoop(input: DrawLoopInput): DrawOutcome {
  const { book, slots, maxWins } = input;
  if (!Number.isSafeInteger(maxWins) || maxWins < 1) throw new ValidationError('invalid_max_wins', 'max_wins must be an integer ≥ 1');
  const nextWord = input.words;
  const maxCounters = input.maxCounters ?? DEFAULT_MAX_COUNTERS;
  const steps: DrawStep[] = [];
  const outcomes: SlotOutcome[] = [];
  const wins = new Map<number, number>();
  let saturated = 0;
  let exhaustedAtSlot: number | null = null;
  const total = book.total;
  const limit = book.count > 0 ? rejectionLimit(total) : 0n;
  let c = 0;
  for (const slot of slots) {
    if (saturated >= book.count) {
      exhaustedAtSlot ??= slot.slot;
      outcomes.push({ slot, winner: null });
      continue;
    }
    for (;;) {
      if (c >= maxCounters) throw new LaurelError('draw_counter_limit', `the draw consumed ${c} counters without filling slot ${slot.slot}`);
      const x = nextWord(c);
      c++;
      // §5 records the counter after the increment: word(counter − 1) produced x.
      const counter = c;
      if (x >= limit) {
        steps.push({ c: counter, x, slot: slot.slot, outcome: 'range', t: null, entry: null });
        continue;
      }
      const t = x % total;
      const entry = book.ownerOf(t);
      const w = wins.get(entry) ?? 0;
      if (w >= maxWins) {
        steps.push({ c: counter, x, slot: slot.slot, outcome: 'max_wins', t, entry });
        continue;
      }
      wins.set(entry, w + 1);
      if (w + 1 === maxWins) saturated++;
      steps.push({ c: counter, x, slot: slot.slot, outcome: 'winner', t, entry });
      outcomes.push({ slot, winner: { c: counter, t, entry } });
      break;
    }
  }
  return { steps, slots: outcomes, exhaustedAtSlot };
}
