import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MissionActivities } from '../src/journeys/missions/activities.js';
import { MISSION_EVENT_SIGNAL, MISSION_PROGRESS_QUERY, type MissionEventSignal, type MissionNudge, type MissionProgressView } from '../src/journeys/missions/contract.js';

const activities = proxyActivities<MissionActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 20 } });
// The reward is written by the award worker; the announcement waits for it by retrying.
const announce = proxyActivities<MissionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 1.5, maximumInterval: '30 seconds', maximumAttempts: 200 },
});

export const missionEventSignal = defineSignal<[MissionEventSignal]>(MISSION_EVENT_SIGNAL);
export const missionProgressQuery = defineQuery<MissionProgressView>(MISSION_PROGRESS_QUERY);

/** Carried across continue-as-new: what counted, what was withdrawn, which nudges went out. */
export interface MissionWorkflowState {
  counted?: [string, number][];
  withdrawn?: string[];
  nudged?: MissionNudge[];
}

const HISTORY_LIMIT = 5000;

/**
 * One member's mission period. Id: `mission:<missionId>:<member>:<period>`, started by the
 * fan-out with signalWithStart. Events count once by id and only when they occurred inside the
 * period; a refund withdraws a counted purchase; nudges at half way and one step away; on
 * completion the reward is requested through the award queue (award id = workflow id) and
 * mission_completed follows once it is granted. After the period ends it waits the late-event
 * grace for events that occurred in time but arrive late, then closes.
 */
export async function missionWorkflow(state: MissionWorkflowState = {}): Promise<{ outcome: 'completed' | 'expired'; progress: number }> {
  const workflowId = workflowInfo().workflowId;
  const counted = new Map<string, number>(state.counted ?? []);
  const withdrawn = new Set<string>(state.withdrawn ?? []);
  const nudged = new Set<MissionNudge>(state.nudged ?? []);
  const inbox: MissionEventSignal[] = [];
  const progressOf = () => [...counted.values()].reduce((s, d) => s + d, 0);
  let target = Number.MAX_SAFE_INTEGER;
  let completed = false;

  setHandler(missionEventSignal, (signal) => {
    inbox.push(signal);
  });
  setHandler(missionProgressQuery, () => ({ progress: progressOf(), target, counted: counted.size, completed }));

  const plan = await activities.loadMissionPlan(workflowId);
  target = plan.target;
  if (plan.status !== 'active') return { outcome: plan.status === 'completed' ? 'completed' : 'expired', progress: progressOf() };
  const closesAtMs = plan.endsAtMs + plan.lateEventGraceMs;

  for (;;) {
    const remainingMs = closesAtMs - Date.now();
    if (inbox.length === 0 && remainingMs > 0) await condition(() => inbox.length > 0, remainingMs);
    if (inbox.length === 0) break;
    const before = progressOf();
    let largest = 0;
    for (const signal of inbox.splice(0)) {
      if (signal.uncount) {
        // Withdrawn for good: a redelivered purchase (or one the refund overtook) never counts.
        counted.delete(signal.eventId);
        withdrawn.add(signal.eventId);
        continue;
      }
      if (counted.has(signal.eventId) || withdrawn.has(signal.eventId)) continue;
      if (signal.occurredAtMs < plan.startsAtMs || signal.occurredAtMs >= plan.endsAtMs) continue;
      counted.set(signal.eventId, signal.delta);
      largest = Math.max(largest, signal.delta);
    }
    const progress = progressOf();
    if (progress >= plan.target) {
      completed = true;
      await activities.completeMission({ workflowId, progress });
      await announce.announceMissionCompleted(workflowId);
      return { outcome: 'completed', progress };
    }
    if (progress !== before) {
      const remaining = plan.target - progress;
      const biggestStep = Math.max(largest, ...counted.values(), 1);
      let nudge: MissionNudge | null = null;
      if (progress > before && plan.nudgeOneAway && !nudged.has('one_away') && remaining <= (plan.goalType === 'count' ? 1 : biggestStep)) nudge = 'one_away';
      else if (progress > before && plan.nudgeHalfway && !nudged.has('halfway') && !nudged.has('one_away') && progress * 2 >= plan.target) nudge = 'halfway';
      if (nudge) nudged.add(nudge);
      await activities.recordMissionProgress({ workflowId, progress, nudge });
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.length === 0) {
        await continueAsNew<typeof missionWorkflow>({ counted: [...counted], withdrawn: [...withdrawn], nudged: [...nudged] });
      }
    }
  }
  const progress = progressOf();
  await activities.closeMission({ workflowId, progress });
  return { outcome: 'expired', progress };
}
