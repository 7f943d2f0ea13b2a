import { proxyActivities } from '@temporalio/workflow';
import type { StackCheckActivities } from '../src/journeys/stack-check/activities.js';

const { recordStackCheck } = proxyActivities<StackCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

export interface StackCheckInput {
  checkId: string;
  recipient: string;
}

/**
 * Proves the whole path works: Temporal runs this workflow, whose activity writes the send record
 * to Postgres and enqueues the BullMQ delivery job that sends the mail. Id: `stack-check:<checkId>`.
 */
export async function stackCheckWorkflow(input: StackCheckInput): Promise<{ messageId: string }> {
  return await recordStackCheck(input);
}
