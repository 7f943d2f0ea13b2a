import type { Channel } from '../templates/index.js';

/** What a channel adapter sends: already rendered, already addressed. */
export interface OutgoingMessage {
  /** The stable message id: Message-ID / idempotency key at the provider. */
  messageId: string;
  channel: Channel;
  memberId: string | null;
  /** Email address, E.164 phone, or the member id for the inbox. */
  to: string;
  subject?: string | undefined;
  html?: string | undefined;
  text?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface SendResult {
  providerId: string;
}

/** Email, SMS and the in-app inbox behind one interface. */
export interface ChannelAdapter {
  readonly channel: Channel;
  /**
   * True when sending the same message id twice cannot produce two messages (the inbox keys rows
   * by it; the SMS provider receives it as Idempotency-Key). Such a channel may resend after a
   * crash without reconciling.
   */
  readonly idempotentResend: boolean;
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * How a failed send ended, which decides what a retry may do:
 * - `permanent`: the provider refused for good (4xx, bad address): never retried;
 * - `transient`: the provider answered "not now" (SMTP 4xx, HTTP 5xx, connection refused):
 *   nothing was delivered, a retry may send;
 * - `ambiguous`: the connection broke after the message was handed over: it may have been
 *   delivered; a retry must reconcile before sending again.
 */
export type SendFailureKind = 'permanent' | 'transient' | 'ambiguous';

export class SendError extends Error {
  constructor(
    readonly kind: SendFailureKind,
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SendError';
  }
}
