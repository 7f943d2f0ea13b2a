// Shared by the journey workflow and the code that signals it; pure data, workflow-safe.

export const JOURNEY_EVENT_SIGNAL = 'journeyEvent';

/** An event of the member, as a running entry needs it: which of its waits and its goal it meets. */
export interface JourneyEventSignal {
  eventId: string;
  eventType: string;
  occurredAtMs: number;
  /** Meets the journey's goal (the entry ends, converted). */
  goal: boolean;
  /** The wait_for_event steps it satisfies. */
  steps: string[];
}

/** Where a running entry stands: the steps done, in order, and where the last one said to go. */
export interface JourneyPosition {
  executed: string[];
  /** A step id or `exit` chosen by the last step (a branch, a wait's outcome); null = the next step. */
  jump: string | null;
}

export type JourneyOutcome = 'completed' | 'converted' | 'exited' | 'left';

/** Where an entry stops after the steps that run at once: a wait, a wait for an event, or the end. */
export type JourneyPause =
  | { kind: 'done'; outcome: JourneyOutcome; reason: string }
  | { kind: 'wait'; stepId: string; untilMs: number }
  | { kind: 'wait_for_event'; stepId: string; untilMs: number; onEvent: string | null; onTimeout: string | null };

/** One turn of an entry: the steps it took now (sends, awards, branches, then the wait it stopped at) and where it stopped. */
export interface JourneyAdvance {
  steps: string[];
  pause: JourneyPause;
}

export interface JourneyEntryView {
  status: 'active' | JourneyOutcome;
  enteredAtMs: number;
  /** The event that started the entry: it never counts toward its own goal. */
  triggerId: string | null;
}
