import type { JourneyPosition } from './contract.js';
import type { JourneyStep } from './definition.js';

export type NextStep = { step: JourneyStep } | { done: 'completed' | 'exited' } | { done: 'left' };

/**
 * The step a running entry takes next under the definition in force now (pure). The entry keeps
 * the ids of the steps it has done; a definition saved meanwhile is followed from the last of
 * them it still has:
 * - a jump (branch, wait outcome) goes to its target if that step exists and was not done;
 * - otherwise the first step not yet done after the last done step still in the definition
 *   (steps inserted after that point run, removed ones are skipped, a done step never runs twice);
 * - an entry none of whose done steps exist any more has lost its place and leaves the journey.
 */
export function nextStep(steps: readonly JourneyStep[], position: JourneyPosition): NextStep {
  if (position.jump === 'exit') return { done: 'exited' };
  const done = new Set(position.executed);
  if (position.jump !== null) {
    const target = steps.find((s) => s.id === position.jump);
    if (target && !done.has(target.id)) return { step: target };
  }
  let from = 0;
  if (position.executed.length > 0) {
    let anchor = -1;
    for (let i = position.executed.length - 1; i >= 0 && anchor < 0; i -= 1) anchor = steps.findIndex((s) => s.id === position.executed[i]);
    if (anchor < 0) return { done: 'left' };
    from = anchor + 1;
  }
  const next = steps.slice(from).find((s) => !done.has(s.id));
  return next ? { step: next } : { done: 'completed' };
}
