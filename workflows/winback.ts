import { allHandlersFinished, condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { WinbackActivities } from '../src/journeys/winback/activities.js';
import { WINBACK_ACTIVITY_SIGNAL } from '../src/journeys/winback/ids.js';
import { behindPace } from '../src/journeys/winback/pace.js';

const activities = proxyActivities<WinbackActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 20 } });

export const winbackActivitySignal = defineSignal<[{ eventId: string; tierChanged: boolean }]>(WINBACK_ACTIVITY_SIGNAL);

export interface WinbackInput {
  /** Length of a journey "day" in ms (default one day; tests inject a fraction of a second). */
  dayMs?: number;
  /** Carried over continue-as-new. */
  startedAtMs?: number;
  nudged?: number[];
}

const DAY_MS = 86_400_000;
const HISTORY_LIMIT = 5000;

/**
 * Win-back after a demotion, id `winback:<member>:<review date>` (started by the tier review):
 * winback_offer at once with the re-qualification challenge; on each nudge day a reminder if the
 * member is behind pace; ends early when the tier is back (the fan-out signals on tier changes
 * and qualifying points); records regained or lapsed.
 */
export async function winbackWorkflow(input: WinbackInput = {}): Promise<{ outcome: 'regained' | 'lapsed'; progress: number }> {
  const workflowId = workflowInfo().workflowId;
  const dayMs = input.dayMs ?? DAY_MS;
  const startedAtMs = input.startedAtMs ?? Date.now();
  const nudged = new Set<number>(input.nudged ?? []);
  let poked = false;
  setHandler(winbackActivitySignal, () => {
    poked = true;
  });

  const plan = await activities.openWinback({ workflowId, startedAtMs, dayMs });
  if (plan.status !== 'active') return { outcome: plan.status, progress: 0 };

  for (;;) {
    const now = Date.now();
    const dueNudge = plan.nudgeDays.find((d) => !nudged.has(d) && startedAtMs + d * dayMs <= now);
    const nextNudge = plan.nudgeDays.filter((d) => !nudged.has(d)).map((d) => startedAtMs + d * dayMs);
    const wakeAt = Math.min(plan.deadlineMs, ...nextNudge);
    const atDeadline = now >= plan.deadlineMs;
    // Reset before the check: a signal that arrives while it runs wakes the next wait.
    poked = false;
    const check = await activities.checkWinback(workflowId);
    if (check.regained) {
      await activities.finishWinback({ workflowId, outcome: 'regained', progress: check.progress });
      return { outcome: 'regained', progress: check.progress };
    }
    if (atDeadline) {
      await activities.finishWinback({ workflowId, outcome: 'lapsed', progress: check.progress });
      return { outcome: 'lapsed', progress: check.progress };
    }
    if (dueNudge !== undefined) {
      nudged.add(dueNudge);
      if (check.target !== null && behindPace(check.progress, check.target, dueNudge, plan.days)) await activities.nudgeWinback({ workflowId, day: dueNudge, progress: check.progress });
      continue;
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof winbackWorkflow>({ dayMs, startedAtMs, nudged: [...nudged] });
    }
    await condition(() => poked, Math.max(1, wakeAt - Date.now()));
  }
}
