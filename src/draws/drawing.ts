import { drawLoop, type DrawLoopInput, type DrawOutcome } from './draw-loop.js';
import { WordSource } from './words.js';

export type { TicketBook, StepOutcome, DrawStep, SlotOutcome, DrawOutcome } from './draw-loop.js';
export { rejectionLimit } from './draw-loop.js';

export interface RunDrawInput extends Omit<DrawLoopInput, 'words'> {
  seed: Uint8Array;
  /** Replaces word(c) (tests only). */
  words?: (c: number) => bigint;
}

/** Section 5 of DRAW-SPEC with the words of section 4 derived from the seed. */
export function runDraw(input: RunDrawInput): DrawOutcome {
  const source = input.words ? undefined : new WordSource(input.seed);
  return drawLoop({ ...input, words: input.words ?? ((c) => source!.word(c)) });
}
