import type { DrawOutcome } from './draw-loop.js';
import type { DrawAuditRecord, DrawSlotRecord, DrawStepRecord } from './record.js';

/**
 * Turning a replayed draw into the audit record's lists and comparing them with a published
 * record. Pure (no Node APIs), so `laurel draw verify` and the public draw page share it.
 */

/** What the record lists need to know about the entries (FrozenEntries, or the page's arrays). */
export interface EntryLookup {
  pidHexAt(i: number): string;
  weightAt(i: number): bigint;
  startAt(i: number): bigint;
}

export type ReplayMismatch = { ok: false; code: string; message: string };

function fail(code: string, message: string): ReplayMismatch {
  return { ok: false, code, message };
}

/** Turns the loop's outcome into the step and slot lists of the audit record. */
export function outcomeRecords(outcome: DrawOutcome, entries: EntryLookup): { steps: DrawStepRecord[]; slots: DrawSlotRecord[] } {
  const steps = outcome.steps.map((s) => ({
    c: s.c,
    x: s.x.toString(),
    slot: s.slot,
    outcome: s.outcome,
    t: s.t === null ? null : s.t.toString(),
    pid: s.entry === null ? null : entries.pidHexAt(s.entry),
  }));
  const slots = outcome.slots.map(({ slot, winner }) => ({
    slot: slot.slot,
    kind: slot.kind,
    prize_id: slot.prizeId,
    reserve_rank: slot.reserveRank,
    winner: winner
      ? {
          c: winner.c,
          t: winner.t.toString(),
          pid: entries.pidHexAt(winner.entry),
          w: entries.weightAt(winner.entry).toString(),
          start: entries.startAt(winner.entry).toString(),
        }
      : null,
  }));
  return { steps, slots };
}

function describeStep(s: DrawStepRecord): string {
  if (s.outcome === 'range') return `counter ${s.c} x=${s.x} rejected (range) for slot ${s.slot}`;
  const what = s.outcome === 'winner' ? 'wins' : 'rejected (max_wins)';
  return `counter ${s.c} x=${s.x} t=${String(s.t)} pid ${String(s.pid)} ${what} for slot ${s.slot}`;
}

function sameStep(a: DrawStepRecord, b: DrawStepRecord): boolean {
  return a.c === b.c && a.x === b.x && a.slot === b.slot && a.outcome === b.outcome && a.t === b.t && a.pid === b.pid;
}

export function compareSteps(recorded: readonly DrawStepRecord[], replayed: readonly DrawStepRecord[]): ReplayMismatch | null {
  const n = Math.max(recorded.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const p = replayed[i];
    if (!r && p) return fail('step_missing', `step ${i}: the replay consumes ${describeStep(p)}, the record ends`);
    if (r && !p) return fail('step_extra', `step ${i}: the record lists ${describeStep(r)}, the replay had ended`);
    if (r && p && !sameStep(r, p)) return fail('step_mismatch', `step ${i}: the record says ${describeStep(r)}; the replay gives ${describeStep(p)}`);
  }
  return null;
}

function describeSlot(s: DrawSlotRecord): string {
  const label = s.kind === 'prize' ? `prize ${String(s.prize_id)}` : `reserve ${String(s.reserve_rank)}`;
  if (!s.winner) return `slot ${s.slot} (${label}) empty`;
  return `slot ${s.slot} (${label}) won by pid ${s.winner.pid} with t=${s.winner.t} at counter ${s.winner.c} (w=${s.winner.w}, start=${s.winner.start})`;
}

function sameSlot(a: DrawSlotRecord, b: DrawSlotRecord): boolean {
  if (a.slot !== b.slot || a.kind !== b.kind || a.prize_id !== b.prize_id || a.reserve_rank !== b.reserve_rank) return false;
  if (!a.winner || !b.winner) return a.winner === b.winner;
  const x = a.winner;
  const y = b.winner;
  return x.c === y.c && x.t === y.t && x.pid === y.pid && x.w === y.w && x.start === y.start;
}

export function compareSlots(recorded: readonly DrawSlotRecord[], replayed: readonly DrawSlotRecord[]): ReplayMismatch | null {
  const n = Math.max(recorded.length, replayed.length);
  for (let i = 0; i < n; i++) {
    const r = recorded[i];
    const p = replayed[i];
    if (!r && p) return fail('slot_missing', `slot ${i}: the replay has ${describeSlot(p)}, the record ends`);
    if (r && !p) return fail('slot_extra', `slot ${i}: the record lists ${describeSlot(r)}, which the rules do not have`);
    if (r && p && !sameSlot(r, p)) {
      return fail('slot_mismatch', `the record says ${describeSlot(r)}; the replay gives ${describeSlot(p)}`);
    }
  }
  return null;
}

/** Steps, then slots, then where the slots ran out: the first difference, or null. */
export function compareReplay(record: Pick<DrawAuditRecord, 'steps' | 'slots' | 'exhausted_at_slot'>, outcome: DrawOutcome, entries: EntryLookup): ReplayMismatch | null {
  const replay = outcomeRecords(outcome, entries);
  const problem = compareSteps(record.steps, replay.steps) ?? compareSlots(record.slots, replay.slots);
  if (problem) return problem;
  if (record.exhausted_at_slot !== outcome.exhaustedAtSlot) {
    return fail('exhaustion_mismatch', `the record says slots are empty from ${String(record.exhausted_at_slot)}, the replay from ${String(outcome.exhaustedAtSlot)}`);
  }
  return null;
}
