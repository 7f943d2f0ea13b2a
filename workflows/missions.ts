import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MissionActivities } from '../src/journeys/missions/activities.js';
import { MISSION_EVENT_SIGNAL, MISSION_PROGRESS_QUERY, type MissionEventSignal, type MissionNudge, type MissionPlan, type MissionProgressView } from '../src/journeys/missions/contract.js';
import { evaluateStreak, streakWatchPeriod } from '../src/journeys/missions/streak-run.js';

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
  /** Streak missions: the local period of each counted event. */
  periods?: [string, number][];
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
  const periods = new Map<string, number>(state.periods ?? []);
  let streak = false;
  const progressOf = () => (streak ? evaluateStreak(periods.values(), target).current : [...counted.values()].reduce((s, d) => s + d, 0));
  let target = Number.MAX_SAFE_INTEGER;
  let completed = false;

  setHandler(missionEventSignal, (signal) => {
    inbox.push(signal);
  });
  setHandler(missionProgressQuery, () => ({ progress: progressOf(), target, counted: streak ? periods.size : counted.size, completed }));

  const plan = await activities.loadMissionPlan(workflowId);
  target = plan.target;
  if (plan.status !== 'active') return { outcome: plan.status === 'completed' ? 'completed' : 'expired', progress: progressOf() };
  if (plan.goalType === 'streak') {
    streak = true;
    const outcome = await streakLoop(workflowId, plan, inbox, periods, withdrawn, nudged);
    completed = outcome.outcome === 'completed';
    return outcome;
  }
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

/**
 * A streak attempt (goal `streak`): each counted event brings the member's local period number;
 * the streak is the run of consecutive periods ending at the latest one. It completes when a run
 * reaches the target; it breaks when the period after the latest one ends (plus the late-event
 * grace) without an event — then the attempt closes its window at that period's end, and the
 * member's next event starts a new attempt. An event after a gap that arrives before the break is
 * decided restarts the run inside the attempt.
 */
async function streakLoop(
  workflowId: string,
  plan: MissionPlan,
  inbox: MissionEventSignal[],
  periods: Map<string, number>,
  withdrawn: Set<string>,
  nudged: Set<MissionNudge>,
): Promise<{ outcome: 'completed' | 'expired'; progress: number }> {
  const ends = new Map<number, number>();
  const endOf = async (period: number): Promise<number> => {
    if (!ends.has(period)) {
      const [end] = await activities.streakPeriodEnds({ workflowId, periods: [period] });
      ends.set(period, end!);
    }
    return ends.get(period)!;
  };
  let recorded = -1;
  for (;;) {
    for (const signal of inbox.splice(0)) {
      if (signal.uncount) {
        periods.delete(signal.eventId);
        withdrawn.add(signal.eventId);
        continue;
      }
      if (signal.period === undefined || periods.has(signal.eventId) || withdrawn.has(signal.eventId)) continue;
      periods.set(signal.eventId, signal.period);
    }
    const state = evaluateStreak(periods.values(), plan.target);
    if (state.completedAt !== null) {
      await activities.completeMission({ workflowId, progress: plan.target, endsAtMs: await endOf(state.completedAt) });
      await announce.announceMissionCompleted(workflowId);
      return { outcome: 'completed', progress: plan.target };
    }
    if (state.current !== recorded) {
      let nudge: MissionNudge | null = null;
      if (state.current > recorded && plan.nudgeOneAway && !nudged.has('one_away') && plan.target - state.current <= 1) nudge = 'one_away';
      else if (state.current > recorded && plan.nudgeHalfway && !nudged.has('halfway') && !nudged.has('one_away') && state.current * 2 >= plan.target) nudge = 'halfway';
      if (nudge) nudged.add(nudge);
      if (recorded !== -1 || state.current > 0 || nudge) await activities.recordMissionProgress({ workflowId, progress: state.current, nudge });
      recorded = state.current;
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (inbox.length > 0) continue;
      await continueAsNew<typeof missionWorkflow>({ periods: [...periods], withdrawn: [...withdrawn], nudged: [...nudged] });
    }
    const watch = streakWatchPeriod(state, plan.firstPeriod ?? 0);
    const decidedAtMs = (await endOf(watch)) + plan.lateEventGraceMs;
    if (inbox.length === 0 && decidedAtMs > Date.now()) await condition(() => inbox.length > 0, decidedAtMs - Date.now());
    if (inbox.length === 0) {
      // The watched period passed without an event: the streak is broken; this attempt ends there.
      await activities.closeMission({ workflowId, progress: state.current, endsAtMs: await endOf(watch) });
      // Events that came in while it closed belong to the next attempt: route them again.
      const late = inbox.splice(0).filter((s) => !s.uncount).map((s) => s.eventId);
      if (late.length > 0) await activities.rerouteMissionEvents({ memberId: plan.memberId, eventIds: late });
      return { outcome: 'expired', progress: state.current };
    }
  }
}
