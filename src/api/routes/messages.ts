import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { findMember, getMember, MemberIdSchema, type Member } from '../../members/index.js';
import {
  addSuppression,
  checkAddress,
  getMessage,
  listInbox,
  listMessages,
  listTemplateVersions,
  markInboxRead,
  messageStats,
  messagingTemplateSource,
  publicBaseUrl,
  saveTemplate,
  sendMessages,
  unsubscribeMember,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from '../../messaging/index.js';
import { messageDefinition, renderMessage, sampleMember, SAMPLE_LINKS, SAMPLE_NOW, type RenderMember } from '../../messaging/templates/index.js';
import { defineRoute } from '../route.js';
import { MemberParams } from '../schemas/members.js';
import { Channel, Inbox, InboxItem, Message, MessagePage, MessageStats, RenderedMessage, SavedTemplate, Suppression, TemplateVersions } from '../schemas/messages.js';
import type { ApiContext } from '../server.js';

const ChannelSchema = z.enum(['email', 'sms', 'inbox']);
const StatusSchema = z.enum(['queued', 'held', 'sending', 'sent', 'failed', 'unknown', 'suppressed', 'capped', 'dead']);
const MessageName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a message name such as points_earned');
const Vars = z.record(z.string(), z.unknown());
const SampleSchema = z.strictObject({ tier: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/) });
const MessageIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/, 'expected 1-200 characters: letters, digits and . _ @ + -');

const SendBody = z.strictObject({
  memberId: MemberIdSchema,
  message: MessageName,
  channel: ChannelSchema,
  vars: Vars.optional(),
  /** Makes the request idempotent: the same key is the same message. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional(),
  campaignId: z.string().max(100).optional(),
});
// memberId or sample, not both: said to the document too, so a 400.
const NOT_BOTH = { message: 'give memberId or sample, not both', params: { shape: true } };
const NOT_BOTH_DOCUMENTED = { not: { required: ['memberId', 'sample'] } };
const PreviewBody = z
  .strictObject({ message: MessageName, channel: ChannelSchema, memberId: MemberIdSchema.optional(), sample: SampleSchema.optional(), vars: Vars.optional() })
  .refine((b) => !(b.memberId && b.sample), NOT_BOTH)
  .meta(NOT_BOTH_DOCUMENTED);
const TestSendBody = z
  .strictObject({ message: MessageName, channel: z.enum(['email', 'sms']), to: z.string().min(3).max(254), memberId: MemberIdSchema.optional(), sample: SampleSchema.optional(), vars: Vars.optional() })
  .refine((b) => !(b.memberId && b.sample), NOT_BOTH)
  .meta(NOT_BOTH_DOCUMENTED);
const ListQuery = z.strictObject({
  status: StatusSchema.optional(),
  campaignId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z~[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/, 'expected the nextBefore value of a previous page')
    .optional()
    .describe('the nextBefore of the previous page (<created-at>~<message id>)'),
});
const StatsQuery = z.strictObject({ since: z.iso.datetime({ offset: true }).optional(), campaignId: z.string().max(100).optional(), message: MessageName.optional() });
const TemplateBody = z.strictObject({ source: z.string().min(1).max(200_000) });
const SuppressionBody = z.strictObject({ channel: z.enum(['email', 'sms']), address: z.string().min(3).max(254), scope: z.enum(['all', 'marketing']).default('all'), reason: z.string().min(1).max(200) });

function asRenderMember(member: Member): RenderMember {
  return { id: member.id, firstName: member.firstName, email: member.email, phone: member.phone, locale: member.locale, timeZone: member.timeZone ?? 'UTC', tier: member.tierId, attributes: member.attributes };
}

/** `before` cursor of message lists: `<ISO created_at>~<id>`. */
function parseBefore(before: string | undefined): { createdAt: Date; id: string } | undefined {
  if (!before) return undefined;
  const [at, id] = before.split('~');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) throw new ValidationError('invalid_request', 'query.before: expected the nextBefore value of a previous page', undefined, 422);
  return { createdAt, id };
}

export function registerMessageRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { source: templates, stored } = messagingTemplateSource(ctx.pool);
  const secret = ctx.config.messaging.unsubscribeSecret;
  const baseUrl = publicBaseUrl(ctx.config);

  async function renderFor(input: { message: string; channel: 'email' | 'sms' | 'inbox'; memberId?: string | undefined; sample?: { tier: string; locale: string } | undefined; vars?: Record<string, unknown> | undefined }) {
    const definition = messageDefinition(input.message);
    if (!definition) throw new NotFoundError('template_not_found', `unknown message ${input.message}`, { message: input.message });
    const member = input.memberId ? asRenderMember(await getMember(ctx.pool, input.memberId)) : sampleMember(input.sample?.tier ?? 'bronze', input.sample?.locale ?? 'en');
    const links = input.memberId && input.channel !== 'inbox' ? { ...SAMPLE_LINKS, unsubscribe: unsubscribeUrl(baseUrl, secret, { memberId: member.id, channel: input.channel }) } : SAMPLE_LINKS;
    const now = input.memberId ? new Date() : SAMPLE_NOW;
    const rendered = await renderMessage({ source: templates, message: input.message, channel: input.channel, member, vars: input.vars ?? definition.sample, now, links });
    return { member, rendered };
  }

  const MARKETERS = { roles: ['admin', 'marketer'] } as const;
  const RENDER_PROBLEMS = ['template_variable_missing', 'template_variable_invalid', 'template_invalid', 'template_render_failed'];

  defineRoute(app, {
    method: 'POST',
    url: '/v1/messages',
    tags: ['messages'],
    summary: 'Send a one-off message to a member (idempotent with idempotencyKey)',
    auth: MARKETERS,
    body: SendBody,
    responses: { 202: Message },
    problems: { 400: RENDER_PROBLEMS, 404: ['unknown_member', 'template_not_found'], 422: ['invalid_recipient', 'missing_recipient'] },
    handler: async ({ body, principal }) => {
      const member = await getMember(ctx.pool, body.memberId);
      // Fail fast on what the worker would dead-letter: unknown template, missing variables, bad address.
      await renderFor({ message: body.message, channel: body.channel, memberId: member.id, vars: body.vars ?? {} });
      checkAddress(body.channel, body.channel === 'email' ? member.email : body.channel === 'sms' ? member.phone : member.id);
      const id = `oneoff.${body.idempotencyKey ?? randomUUID()}.${body.channel}.${member.id}`;
      await sendMessages(ctx.pool, ctx.deliveryQueue, [
        { id, message: body.message, channel: body.channel, memberId: member.id, vars: body.vars ?? {}, campaignId: body.campaignId ?? null, requestedBy: actorOf(principal) },
      ]);
      return await getMessage(ctx.pool, id);
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/messages/preview',
    tags: ['messages'],
    summary: 'Render a message for a member or a sample member (subject, html, text)',
    auth: MARKETERS,
    body: PreviewBody,
    responses: { 200: RenderedMessage },
    problems: { 400: RENDER_PROBLEMS, 404: ['unknown_member', 'template_not_found'] },
    handler: async ({ body }) => (await renderFor(body)).rendered,
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/messages/test-send',
    tags: ['messages'],
    summary: 'Send a rendered message to a test address (no policies, no member record)',
    auth: MARKETERS,
    body: TestSendBody,
    responses: { 202: Message },
    problems: { 400: RENDER_PROBLEMS, 404: ['unknown_member', 'template_not_found'], 422: ['invalid_recipient'] },
    handler: async ({ body, principal }) => {
      const to = checkAddress(body.channel, body.to);
      const { member } = await renderFor(body);
      const definition = messageDefinition(body.message)!;
      const id = `test.${randomUUID()}`;
      await sendMessages(ctx.pool, ctx.deliveryQueue, [
        {
          id,
          message: body.message,
          channel: body.channel,
          recipient: to,
          category: 'test',
          vars: { __sampleMember: member, __vars: body.vars ?? definition.sample },
          requestedBy: actorOf(principal),
        },
      ]);
      return await getMessage(ctx.pool, id);
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/messages/stats',
    tags: ['messages'],
    summary: 'Message counts by status: queued, held, sent, failed, suppressed, capped, dead',
    auth: MARKETERS,
    query: StatsQuery,
    responses: { 200: MessageStats },
    handler: async ({ query }) => messageStats(ctx.pool, { since: query.since ? new Date(query.since) : undefined, campaignId: query.campaignId, message: query.message }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/messages',
    tags: ['messages'],
    summary: 'Messages, newest first; ?status=dead lists the dead letters with their reasons',
    auth: MARKETERS,
    query: ListQuery,
    responses: { 200: MessagePage },
    handler: async ({ query }) => {
      const items = await listMessages(ctx.pool, { status: query.status, campaignId: query.campaignId, limit: query.limit, before: parseBefore(query.before) });
      const last = items[items.length - 1];
      return { items, nextBefore: items.length === query.limit && last ? `${last.createdAt.toISOString()}~${last.id}` : null };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/messages/:id',
    tags: ['messages'],
    summary: 'One message: status, attempts, reason',
    auth: MARKETERS,
    params: z.strictObject({ id: MessageIdSchema }),
    responses: { 200: Message },
    problems: { 404: ['message_not_found'] },
    handler: async ({ params }) => getMessage(ctx.pool, params.id),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/messages',
    tags: ['messages'],
    summary: "A member's messages with their status",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: ListQuery,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: MessagePage },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, query }) => {
      const { id } = params;
      if (!(await findMember(ctx.pool, id))) throw new NotFoundError('unknown_member', `member ${id} does not exist`, { memberId: id });
      const items = await listMessages(ctx.pool, { memberId: id, status: query.status, campaignId: query.campaignId, limit: query.limit, before: parseBefore(query.before) });
      const last = items[items.length - 1];
      return { items, nextBefore: items.length === query.limit && last ? `${last.createdAt.toISOString()}~${last.id}` : null };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/inbox',
    tags: ['messages'],
    summary: "The member's in-app inbox, newest first, with the unread count",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), unread: z.enum(['true', 'false']).optional() }),
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: Inbox },
    handler: async ({ params, query }) => listInbox(ctx.pool, params.id, { limit: query.limit, unreadOnly: query.unread === 'true' }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/members/:id/inbox/:messageId/read',
    tags: ['messages'],
    summary: 'Mark an inbox message read (idempotent: the first read time stays)',
    auth: { roles: ['admin', 'member'] },
    memberOf: ({ params }) => params.id,
    params: z.strictObject({ id: MemberIdSchema, messageId: MessageIdSchema }),
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: InboxItem },
    problems: { 404: ['message_not_found'] },
    handler: async ({ params }) => markInboxRead(ctx.pool, params.id, params.messageId),
  });

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/templates/:message/:fileName',
    tags: ['templates'],
    summary: 'Save a template version (validated: compiled and rendered for every tier and locale)',
    auth: MARKETERS,
    params: z.strictObject({ message: MessageName, fileName: z.string().min(1).max(100) }),
    body: TemplateBody,
    responses: { 201: SavedTemplate },
    problems: { 400: ['invalid_template_name', ...RENDER_PROBLEMS], 404: ['template_not_found'] },
    handler: async ({ params, body, principal }) => {
      const saved = await saveTemplate(ctx.pool, templates, { message: params.message, fileName: params.fileName, content: body.source, actor: actorOf(principal) });
      stored.invalidate();
      return {
        message: saved.message,
        fileName: saved.fileName,
        version: saved.version,
        createdBy: saved.createdBy,
        createdAt: saved.createdAt,
        previews: saved.previews.map((p) => ({ tier: p.tier, locale: p.locale, subject: p.rendered.subject ?? p.rendered.title ?? null, text: p.rendered.text ?? p.rendered.body ?? null })),
      };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/templates/:message',
    tags: ['templates'],
    summary: "A message's stored template versions, newest first",
    auth: MARKETERS,
    params: z.strictObject({ message: MessageName }),
    responses: { 200: TemplateVersions },
    handler: async ({ params }) => ({ message: params.message, versions: await listTemplateVersions(ctx.pool, params.message) }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/suppressions',
    tags: ['messages'],
    summary: 'Add an address to the suppression list (hard bounce, complaint, manual)',
    auth: MARKETERS,
    body: SuppressionBody,
    responses: { 201: Suppression },
    problems: { 422: ['invalid_recipient'] },
    handler: async ({ body }) => {
      const address = checkAddress(body.channel, body.address);
      await addSuppression(ctx.pool, { channel: body.channel, address, scope: body.scope, reason: body.reason });
      return { channel: body.channel, address, scope: body.scope, reason: body.reason };
    },
  });

  // One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the URL
  // of the List-Unsubscribe header. The link in the mail footer opens a page whose button posts
  // the same: a GET never changes anything, so link scanners cannot unsubscribe anyone.
  // The form body is accepted on these two routes only (an encapsulated plugin): every other
  // route stays JSON-only and answers 415 to a form.
  void app.register(async (unsubscribe) => {
    unsubscribe.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    registerUnsubscribeRoutes(unsubscribe);
  });

  function claimsOf(token: string) {
    const claims = verifyUnsubscribeToken(secret, token);
    // 404: a link the server did not sign does not exist (its shape alone is fine).
    if (!claims) throw new NotFoundError('invalid_unsubscribe_link', 'this unsubscribe link is not valid');
    return claims;
  }

  const UnsubscribeParams = z.strictObject({ token: z.string().min(1).max(1000) });

  function registerUnsubscribeRoutes(app: FastifyInstance): void {
    defineRoute(app, {
      method: 'GET',
      url: '/v1/unsubscribe/:token',
      tags: ['messages'],
      summary: 'Unsubscribe page (its button posts the one-click request; a GET changes nothing)',
      auth: 'public',
      params: UnsubscribeParams,
      responses: { 200: { contentType: 'text/html', schema: z.string(), description: 'A confirmation page' } },
      problems: { 404: ['invalid_unsubscribe_link'] },
      handler: async ({ params, reply }) => {
        claimsOf(params.token);
        const action = `/v1/unsubscribe/${encodeURIComponent(params.token)}`;
        reply.type('text/html; charset=utf-8');
        return (
          `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head><body>` +
          `<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
          `<p>Stop receiving marketing messages from us on this channel?</p><button type="submit">Unsubscribe</button></form></body></html>`
        );
      },
    });

    defineRoute(app, {
      method: 'POST',
      url: '/v1/unsubscribe/:token',
      tags: ['messages'],
      summary: 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post; the form body is optional)',
      auth: 'public',
      params: UnsubscribeParams,
      body: z.looseObject({ 'List-Unsubscribe': z.literal('One-Click').optional() }),
      bodyOptional: true,
      bodyTypes: ['application/x-www-form-urlencoded', 'application/json'],
      responses: { 200: z.object({ unsubscribed: z.literal(true), channel: Channel }) },
      problems: { 404: ['invalid_unsubscribe_link'] },
      handler: async ({ params }) => {
        const claims = claimsOf(params.token);
        await unsubscribeMember(ctx.pool, claims.memberId, claims.channel);
        return { unsubscribed: true as const, channel: claims.channel };
      },
    });
  }
}
