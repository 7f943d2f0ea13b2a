import { signBody } from '../../auth/body-signature.js';
import { SendError, type ChannelAdapter, type OutgoingMessage, type SendResult } from './types.js';

export interface SmsChannelOptions {
  webhookUrl: string;
  secret: string;
  timeoutMs?: number;
  /** Injected clock for the signature timestamp (tests). */
  now?: () => Date;
}

/**
 * SMS through an HTTP provider: POST JSON `{ id, to, text }`, HMAC-signed (`signBody`), with the message id as
 * `Idempotency-Key` so a provider that honours it turns an ambiguous retry into a no-op.
 * 2xx = accepted; 5xx and network errors are retried; any other status is a permanent failure.
 */
export function createSmsChannel(options: SmsChannelOptions): ChannelAdapter {
  const now = options.now ?? (() => new Date());
  return {
    channel: 'sms',
    idempotentResend: true,
    async send(message: OutgoingMessage): Promise<SendResult> {
      const body = JSON.stringify({ id: message.messageId, to: message.to, text: message.text ?? '' });
      let res: Response;
      try {
        res = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.messageId,
            'x-laurel-signature': signBody([options.secret], body, now()),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        // The request may or may not have reached the provider; the idempotency key covers a resend.
        throw new SendError('ambiguous', `SMS provider unreachable: ${(err as Error).message}`, 'sms_unreachable', { cause: err });
      }
      const answer = await res.text().catch(() => '');
      if (res.status >= 500) throw new SendError('transient', `SMS provider answered ${res.status}: ${answer.slice(0, 200)}`, `sms_${res.status}`);
      if (res.status < 200 || res.status >= 300) throw new SendError('permanent', `SMS provider refused with ${res.status}: ${answer.slice(0, 200)}`, `sms_${res.status}`);
      let providerId = message.messageId;
      try {
        const parsed = JSON.parse(answer) as { id?: unknown };
        if (typeof parsed.id === 'string' || typeof parsed.id === 'number') providerId = String(parsed.id);
      } catch {
        // A provider that answers without JSON still accepted the message.
      }
      return { providerId };
    },
    close: () => Promise.resolve(),
  };
}
