import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Pool } from '../../db/index.js';
import type { Logger } from '../../log/index.js';
import { QUEUES } from '../../queues/index.js';
import type { EmailChannel } from '../channels/email.js';
import type { DeliveryJob } from './queue.js';

interface MessageRow {
  id: string;
  channel: string;
  recipient: string;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  status: string;
}

export interface DeliveryWorkerDeps {
  connection: Redis;
  prefix: string;
  pool: Pool;
  email: EmailChannel;
  logger: Logger;
  concurrency: number;
}

/**
 * Sends one message per job. The send record already exists (written before the job was queued);
 * a message already marked sent completes without sending again.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps): Worker<DeliveryJob> {
  const { pool, email, logger } = deps;
  const worker = new Worker<DeliveryJob>(
    QUEUES.delivery,
    async (job) => {
      const { rows } = await pool.query<MessageRow>(
        `UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = now()
          WHERE id = $1 AND status IN ('queued', 'sending', 'failed')
          RETURNING id, channel, recipient, subject, body_text, body_html, status`,
        [job.data.messageId],
      );
      const message = rows[0];
      if (!message) {
        const { rowCount } = await pool.query('SELECT 1 FROM messages WHERE id = $1', [job.data.messageId]);
        if (rowCount === 0) throw new UnrecoverableError(`message ${job.data.messageId} has no send record`);
        return { skipped: 'already_final' };
      }
      if (message.channel !== 'email') throw new UnrecoverableError(`channel ${message.channel} is not deliverable yet`);
      try {
        const { providerId } = await email.send({
          messageId: message.id,
          to: message.recipient,
          subject: message.subject ?? '',
          text: message.body_text ?? undefined,
          html: message.body_html ?? undefined,
        });
        await pool.query(`UPDATE messages SET status = 'sent', provider_id = $2, sent_at = now(), error = NULL, updated_at = now() WHERE id = $1`, [
          message.id,
          providerId,
        ]);
        return { providerId };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        await pool.query(`UPDATE messages SET status = 'failed', error = $2, updated_at = now() WHERE id = $1`, [message.id, reason]);
        logger.warn({ messageId: message.id, attempt: job.attemptsMade + 1, reason }, 'delivery attempt failed');
        throw err;
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency },
  );
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      void pool
        .query(`UPDATE messages SET status = 'dead', error = $2, updated_at = now() WHERE id = $1 AND status <> 'sent'`, [job.data.messageId, err.message])
        .catch((e: unknown) => logger.error({ err: e }, 'could not dead-letter message'));
    }
  });
  worker.on('error', (err) => logger.error({ err }, 'delivery worker error'));
  return worker;
}
