import { proxyActivities } from '@temporalio/workflow';
import type { ExpiryActivities } from '../src/journeys/expiry/activities.js';

const activities = proxyActivities<ExpiryActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 10 } });

export interface ExpirySweepInput {
  /** The instant the sweep judges (ISO); defaults to when the run starts (the scheduled time). */
  asOf?: string;
}

/**
 * The daily points sweep (schedule `laurel-points-expiry`, workflow ids `points-expiry-<time>`):
 * pending points whose return window closed become spendable; points_expiring reminders 30, 7
 * and 1 day(s) ahead (each once per member and expiry date); then the expiry entries and
 * points_expired. Set-based over pages of members, never a workflow per member.
 */
export async function expirySweepWorkflow(input: ExpirySweepInput = {}) {
  const asOf = input.asOf ?? new Date(Date.now()).toISOString();
  const activated = await activities.activatePendingPointsAsOf(asOf);
  const reminders = await activities.sendExpiryReminders(asOf);
  const expired = await activities.expireDuePoints(asOf);
  return { asOf, activated, reminders, expired };
}
