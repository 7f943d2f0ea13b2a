import type { Pool } from '../../db/index.js';
import type { ChannelAdapter, OutgoingMessage, SendResult } from './types.js';

/**
 * The in-app inbox: delivery is a row keyed by the message id, so it is exactly once by
 * construction (a retried delivery hits the primary key).
 */
export function createInboxChannel(pool: Pool): ChannelAdapter {
  return {
    channel: 'inbox',
    idempotentResend: true,
    async send(message: OutgoingMessage): Promise<SendResult> {
      await pool.query(
        `INSERT INTO inbox_items (message_id, member_id, title, body) VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING`,
        [message.messageId, message.memberId ?? message.to, message.subject ?? '', message.text ?? ''],
      );
      return { providerId: `inbox:${message.messageId}` };
    },
    close: () => Promise.resolve(),
  };
}
