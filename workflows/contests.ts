import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ContestActivities } from '../src/journeys/contests/activities.js';

const activities = proxyActivities<ContestActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 20 } });

/**
 * A contest, id `contest:<contestId>`: sleeps until the window closes (plus the late-event
 * grace), freezes the board and persists the final standings, awards prizes through the award
 * queue and sends contest_result to every participant. Each step is idempotent, so a retried
 * or replayed run does nothing twice.
 */
export async function contestWorkflow(): Promise<{ participants: number; awarded: number; announced: number }> {
  const workflowId = workflowInfo().workflowId;
  const plan = await activities.loadContestPlan(workflowId);
  if (plan.status === 'open') {
    const wait = plan.endsAtMs + plan.lateEventGraceMs - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const { participants } = await activities.freezeContest(workflowId);
  const { awarded } = await activities.awardContestPrizes(workflowId);
  const { announced } = await activities.announceContestResults(workflowId);
  await activities.closeContest(workflowId);
  return { participants, awarded, announced };
}
