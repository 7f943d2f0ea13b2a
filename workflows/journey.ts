import { allHandlersFinished, condition, continueAsNew, defineSignal, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LifecycleJourneyActivities } from '../src/journeys/lifecycle/activities.js';
import { JOURNEY_EVENT_SIGNAL, type JourneyEventSignal, type JourneyOutcome } from '../src/journeys/lifecycle/contract.js';

// Local activities: each step is a few short statements in Laurel's own database, idempotent, so
// they run inside the workflow task (recorded as markers) instead of a round trip through an
// activity task queue: a fraction of the server work per step, which matters at thousands of entries.
const activities = proxyLocalActivities<LifecycleJourneyActivities>({ startToCloseTimeout: '1 minute', localRetryThreshold: '10 seconds', retry: { maximumAttempts: 50, maximumInterval: '1 minute' } });

export const journeyEventSignal = defineSignal<[JourneyEventSignal]>(JOURNEY_EVENT_SIGNAL);

/** Carried across continue-as-new. */
export interface JourneyState {
  executed?: string[];
  jump?: string | null;
  heard?: JourneyEventSignal[];
}

const HISTORY_LIMIT = 4000;
/** Events kept for the waits to come (the newest): an entry rarely hears more than a few. */
const HEARD_LIMIT = 50;

/**
 * One member's entry into a lifecycle journey, id `journey:<journey>:<member>:<entry>`, started by
 * the fan-out (an event or a fact) or by the hourly date sweep once the entry row exists. Each turn
 * a local activity reads the definition in force, takes the steps that run at once up to the next
 * wait, picking each by step id (so a running entry follows a changed definition from where it
 * is, never repeating a step), and does the sends and awards itself under ids derived from the
 * entry and step (a retry sends nothing twice). Waits are timers; a wait for an event ends on a
 * signal from the fan-out; the goal ends the entry as soon as the member reaches it.
 */
export async function journeyWorkflow(state: JourneyState = {}): Promise<{ outcome: JourneyOutcome; steps: number }> {
  const workflowId = workflowInfo().workflowId;
  const executed = [...(state.executed ?? [])];
  let jump = state.jump ?? null;
  const heard: JourneyEventSignal[] = [...(state.heard ?? [])];
  setHandler(journeyEventSignal, (event) => {
    if (heard.some((e) => e.eventId === event.eventId)) return;
    heard.push(event);
    if (heard.length > HEARD_LIMIT) heard.splice(0, heard.length - HEARD_LIMIT);
  });

  const entry = await activities.openJourneyEntry(workflowId);
  if (entry.status !== 'active') return { outcome: entry.status, steps: executed.length };
  const goalReached = () => heard.some((e) => e.goal && e.eventId !== entry.triggerId && e.occurredAtMs >= entry.enteredAtMs);
  const finish = async (outcome: JourneyOutcome, reason: string) => {
    await activities.finishJourneyEntry({ workflowId, outcome, reason, steps: executed.length });
    return { outcome, steps: executed.length };
  };

  for (;;) {
    if (goalReached()) return await finish('converted', 'goal reached');
    const turn = await activities.advanceJourney({ workflowId, executed, jump });
    executed.push(...turn.steps);
    jump = null;
    const pause = turn.pause;
    // The activity recorded the end on the entry.
    if (pause.kind === 'done') return { outcome: pause.outcome, steps: executed.length };
    if (pause.kind === 'wait') {
      await condition(goalReached, Math.max(1, pause.untilMs - Date.now()));
    } else {
      const startedAtMs = Date.now();
      const met = () => heard.some((e) => e.steps.includes(pause.stepId) && e.eventId !== entry.triggerId && e.occurredAtMs >= startedAtMs);
      await condition(() => met() || goalReached(), Math.max(1, pause.untilMs - Date.now()));
      if (!goalReached()) jump = met() ? pause.onEvent : pause.onTimeout;
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof journeyWorkflow>({ executed, jump, heard });
    }
  }
}
