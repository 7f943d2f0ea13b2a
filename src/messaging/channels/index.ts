export { SendError, type ChannelAdapter, type OutgoingMessage, type SendResult, type SendFailureKind } from './types.js';
export { createEmailChannel, classifySmtpError, emailMessageId, type EmailChannelOptions } from './email.js';
export { createSmsChannel, type SmsChannelOptions } from './sms.js';
export { createInboxChannel } from './inbox.js';
