import type { Channel } from '../templates/index.js';

/** What the provider knows about a message whose last attempt died mid-send. */
export type ReconcileOutcome = { state: 'delivered'; providerId: string } | { state: 'not_found' } | { state: 'unknown'; reason: string };

/**
 * Looks a message up at the provider by its stable id. Used only when an attempt finds the send
 * record in `sending` (the previous attempt crashed after it may have handed the message over) or
 * `unknown` (the connection broke mid-send). Without a reconciler such a message is not resent.
 */
export interface ChannelReconciler {
  readonly channel: Channel;
  lookup(messageId: string): Promise<ReconcileOutcome>;
}
