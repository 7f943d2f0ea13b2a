import { patched, proxyActivities } from '@temporalio/workflow';
import type { TierReviewActivities } from '../src/journeys/tiers/activities.js';

const activities = proxyActivities<TierReviewActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } });

export interface TierReviewInput {
  /** The instant the review judges (ISO); defaults to when the run starts (the scheduled time). */
  asOf?: string;
  /** Length of a win-back "day" in ms for the journeys started (tests use seconds; default a day). */
  winbackDayMs?: number;
}

/**
 * The daily tier review (schedule `laurel-tier-review`): the set-based review of every member
 * due, then a win-back journey `winback:<member>:<review date>` for each demotion, and the
 * `tier.changed` facts of the review (webhooks, journeys; added behind a patch: a review running
 * when it shipped replays without it).
 */
export async function tierReviewWorkflow(input: TierReviewInput = {}) {
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  const reviewed = await activities.reviewTiersAsOf(asOf);
  const winbacks = await activities.startWinbacks({ asOf, ...(input.winbackDayMs ? { dayMs: input.winbackDayMs } : {}) });
  if (patched('announce-review-tier-changes')) {
    const facts = await activities.announceReviewTierChanges(asOf);
    return { asOf, reviewed, winbacks, facts };
  }
  return { asOf, reviewed, winbacks };
}
