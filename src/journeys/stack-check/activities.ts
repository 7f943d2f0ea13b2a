import type { Queue } from 'bullmq';
import { withTransaction, type Pool } from '../../db/index.js';
import { enqueueDelivery, type DeliveryJob } from '../../messaging/delivery/queue.js';

export interface StackCheckDeps {
  pool: Pool;
  deliveryQueue: Queue<DeliveryJob>;
}

export function createStackCheckActivities({ pool, deliveryQueue }: StackCheckDeps) {
  return {
    /** Safe to retry: the rows are keyed by the check id and the job id is derived from it. */
    async recordStackCheck(input: { checkId: string; recipient: string }): Promise<{ messageId: string }> {
      const messageId = `stack-check.${input.checkId}`;
      await withTransaction(pool, async (client) => {
        await client.query(
          `INSERT INTO messages (id, channel, kind, recipient, subject, body_text)
           VALUES ($1, 'email', 'stack_check', $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [messageId, input.recipient, `Laurel stack check ${input.checkId}`, `Temporal, PostgreSQL, Redis and SMTP all answered (check ${input.checkId}).`],
        );
        await client.query(
          `INSERT INTO stack_checks (id, workflow_id, recipient, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [input.checkId, `stack-check:${input.checkId}`, input.recipient, messageId],
        );
      });
      await enqueueDelivery(deliveryQueue, messageId);
      return { messageId };
    },
  };
}

export type StackCheckActivities = ReturnType<typeof createStackCheckActivities>;
