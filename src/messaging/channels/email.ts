import nodemailer, { type Transporter } from 'nodemailer';

export interface EmailMessage {
  messageId: string;
  to: string;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  headers?: Record<string, string>;
}

export interface EmailChannel {
  send(message: EmailMessage): Promise<{ providerId: string }>;
  close(): void;
}

/** Pooled SMTP through nodemailer. The Message-ID header carries Laurel's stable message id. */
export function createEmailChannel(smtpUrl: string, from: string, domain = 'laurel.local'): EmailChannel {
  const transport: Transporter = nodemailer.createTransport(smtpUrl.includes('pool=') ? smtpUrl : `${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}pool=true`);
  return {
    async send(message) {
      const info = await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: `<${message.messageId}@${domain}>`,
        headers: { 'X-Laurel-Message-Id': message.messageId, ...message.headers },
      });
      return { providerId: String(info.messageId ?? message.messageId) };
    },
    close() {
      transport.close();
    },
  };
}
