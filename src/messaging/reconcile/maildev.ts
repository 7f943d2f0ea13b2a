import type { ChannelReconciler, ReconcileOutcome } from './types.js';

/**
 * Email reconciliation against MailDev's REST API (dev and tests): the mailbox is the provider's
 * record of what it accepted, searchable by our `X-Laurel-Message-Id` header. Production ESPs
 * offer the same through their message-search APIs; plain SMTP relays do not (see README).
 */
export function createMaildevReconciler(apiUrl: string): ChannelReconciler {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    channel: 'email',
    async lookup(messageId: string): Promise<ReconcileOutcome> {
      const query = new URLSearchParams({ 'headers.x-laurel-message-id': messageId });
      let res: Response;
      try {
        res = await fetch(`${base}/api/email?${query.toString()}`, { signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        return { state: 'unknown', reason: `mailbox unreachable: ${(err as Error).message}` };
      }
      if (!res.ok) return { state: 'unknown', reason: `mailbox answered ${res.status}` };
      const found = (await res.json()) as { id: string; messageId?: string }[];
      const hit = found[0];
      return hit ? { state: 'delivered', providerId: hit.messageId ?? hit.id } : { state: 'not_found' };
    },
  };
}
