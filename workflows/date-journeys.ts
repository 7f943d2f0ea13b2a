import { patched, proxyActivities } from '@temporalio/workflow';
import type { LifecycleJourneyActivities } from '../src/journeys/lifecycle/activities.js';

const activities = proxyActivities<LifecycleJourneyActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } });

export interface DateJourneysInput {
  /** The instant judged (ISO); defaults to when the run starts (the scheduled time). */
  asOf?: string;
}

/**
 * The hourly date sweep (schedule `laurel-date-journeys`, ids `date-journeys-<time>`): every
 * active birthday, anniversary and inactivity journey enters the members due at `asOf` in their
 * own time zone, set-based; a journey of sends and awards only is done in the same pass, others
 * start a journey workflow per entry. Never a sleeping workflow per member. Referrals due at
 * `asOf` are rewarded (or rejected, or expired) in the same run.
 */
export async function dateJourneysWorkflow(input: DateJourneysInput = {}) {
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  const journeys = await activities.runDateJourneysAsOf(asOf);
  // The same hourly run rewards the referrals whose qualifying purchase passed its return window.
  const referrals = patched('date-sweep-rewards-referrals') ? await activities.rewardDueReferralsAsOf(asOf) : null;
  return { asOf, journeys, referrals };
}
