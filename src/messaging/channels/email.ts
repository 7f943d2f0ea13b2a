import nodemailer, { type Transporter } from 'nodemailer';
import { buildRawEmail, type EmailContent } from './mime.js';
import { SendError, type ChannelAdapter, type OutgoingMessage, type SendResult } from './types.js';

export interface EmailChannelOptions {
  smtpUrl: string;
  from: string;
  /** Right-hand side of the Message-ID: `<message id@domain>`. */
  domain?: string;
  maxConnections?: number;
}

/** The Message-ID header Laurel gives a message: reconcilers look it up by this. */
export function emailMessageId(messageId: string, domain = 'laurel.local'): string {
  return `<${messageId}@${domain}>`;
}

// Before the DATA terminator is acknowledged a failure cannot have delivered anything.
const BEFORE_HANDOVER = new Set(['CONN', 'GREETING', 'EHLO', 'HELO', 'STARTTLS', 'AUTH', 'AUTH PLAIN', 'AUTH LOGIN', 'MAIL FROM', 'RCPT TO', 'DATA']);
const NETWORK_BEFORE_CONNECT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EDNS']);

interface NodemailerError {
  message: string;
  code?: string;
  command?: string;
  responseCode?: number;
}

/** Maps nodemailer's error onto retry semantics (see SendFailureKind). */
export function classifySmtpError(err: unknown): SendError {
  const e = (err ?? {}) as NodemailerError;
  const message = e.message ?? String(err);
  if (typeof e.responseCode === 'number') {
    // The server answered: a 5xx is final (bad mailbox, policy), a 4xx is "try later".
    if (e.responseCode >= 500) return new SendError('permanent', message, `smtp_${e.responseCode}`, { cause: err });
    return new SendError('transient', message, `smtp_${e.responseCode}`, { cause: err });
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return new SendError('permanent', message, 'smtp_bad_message', { cause: err });
  // The command in progress says how far the transaction got; DATA (or none known) may have handed the body over.
  if ((e.command && BEFORE_HANDOVER.has(e.command) && e.command !== 'DATA') || (!e.command && e.code && NETWORK_BEFORE_CONNECT.has(e.code))) {
    return new SendError('transient', message, 'smtp_unavailable', { cause: err });
  }
  // A broken connection or a timeout while (or after) the body went out: maybe delivered.
  return new SendError('ambiguous', message, 'smtp_connection_lost', { cause: err });
}

/** Pooled SMTP through nodemailer. The Message-ID header carries Laurel's stable message id. */
export function createEmailChannel(options: EmailChannelOptions): ChannelAdapter {
  const domain = options.domain ?? 'laurel.local';
  const url = new URL(options.smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (options.maxConnections && !url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', String(options.maxConnections));
  const transport: Transporter = nodemailer.createTransport(url.toString());
  return {
    channel: 'email',
    idempotentResend: false,
    async send(message: OutgoingMessage): Promise<SendResult> {
      const messageId = emailMessageId(message.messageId, domain);
      const content: EmailContent = {
        from: options.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.text,
        html: message.html,
        messageId,
        headers: { ...message.headers, 'X-Laurel-Message-Id': message.messageId },
      };
      try {
        // The same message, built in one synchronous pass and handed over whole (see mime.ts);
        // the Message-ID is passed along only so nodemailer does not draw a random one for its log.
        const built = buildRawEmail(content);
        if (built) {
          await transport.sendMail({ envelope: built.envelope, raw: built.raw, messageId });
          return { providerId: messageId };
        }
        const info = await transport.sendMail({ ...content, headers: { ...content.headers } });
        return { providerId: String(info.messageId ?? messageId) };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
