import { z } from 'zod';
import { Timestamp } from './common.js';

export const Channel = z.enum(['email', 'sms', 'inbox']);
export const MessageStatus = z.enum(['queued', 'held', 'sending', 'sent', 'failed', 'unknown', 'suppressed', 'capped', 'dead']);

export const Message = z
  .object({
    id: z.string(),
    channel: Channel,
    message: z.string(),
    category: z.enum(['transactional', 'marketing', 'test']),
    memberId: z.string().nullable(),
    recipient: z.string().nullable(),
    status: MessageStatus,
    attempts: z.int(),
    reason: z.string().nullable().describe('why it failed, was suppressed, capped or dead-lettered'),
    providerId: z.string().nullable(),
    templateKey: z.string().nullable(),
    subject: z.string().nullable(),
    heldUntil: Timestamp.nullable(),
    campaignId: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    sentAt: Timestamp.nullable(),
  })
  .meta({ id: 'Message' });

export const MessagePage = z.object({ items: z.array(Message), nextBefore: z.string().nullable().describe('pass as ?before= for the next page') });

export const MessageStats = z.object({ ...Object.fromEntries(MessageStatus.options.map((s) => [s, z.int()])), total: z.int() }) as z.ZodType<Record<string, number>>;

export const RenderedMessage = z
  .object({
    subject: z.string().optional(),
    html: z.string().optional(),
    text: z.string().optional(),
    title: z.string().optional(),
    body: z.string().optional(),
    templateKey: z.string().describe('<message>/<file name> of the template chosen'),
    locale: z.string(),
    dir: z.enum(['ltr', 'rtl']),
    kind: z.enum(['transactional', 'marketing']),
  })
  .meta({ id: 'RenderedMessage' });

export const InboxItem = z.object({ id: z.string(), title: z.string(), body: z.string(), createdAt: Timestamp, readAt: Timestamp.nullable() }).meta({ id: 'InboxItem' });
export const Inbox = z.object({ items: z.array(InboxItem), unread: z.int() });

export const SavedTemplate = z.object({
  message: z.string(),
  fileName: z.string(),
  version: z.int(),
  createdBy: z.string(),
  createdAt: Timestamp,
  previews: z.array(z.object({ tier: z.string(), locale: z.string(), subject: z.string().nullable(), text: z.string().nullable() })),
});

export const TemplateVersions = z.object({
  message: z.string(),
  versions: z.array(z.object({ fileName: z.string(), version: z.int(), channel: z.string(), createdBy: z.string(), createdAt: Timestamp, source: z.string() })),
});

export const Suppression = z.object({ channel: z.enum(['email', 'sms']), address: z.string(), scope: z.enum(['all', 'marketing']), reason: z.string() });
