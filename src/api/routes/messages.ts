import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { findMember, getMember, type Member } from '../../members/index.js';
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
import { authorize } from '../auth.js';
import { parseInput } from '../validate.js';
import type { ApiContext } from '../server.js';

const ChannelSchema = z.enum(['email', 'sms', 'inbox']);
const StatusSchema = z.enum(['queued', 'held', 'sending', 'sent', 'failed', 'unknown', 'suppressed', 'capped', 'dead']);
const MessageName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a message name such as points_earned');
const Vars = z.record(z.string(), z.unknown());
const SampleSchema = z.strictObject({ tier: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/) });
const MessageIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$/, 'expected 1-200 characters: letters, digits and . _ @ + -');

const SendBody = z.strictObject({
  memberId: z.string().min(1),
  message: MessageName,
  channel: ChannelSchema,
  vars: Vars.optional(),
  /** Makes the request idempotent: the same key is the same message. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional(),
  campaignId: z.string().max(100).optional(),
});
const PreviewBody = z
  .strictObject({ message: MessageName, channel: ChannelSchema, memberId: z.string().min(1).optional(), sample: SampleSchema.optional(), vars: Vars.optional() })
  .refine((b) => !(b.memberId && b.sample), { message: 'give memberId or sample, not both' });
const TestSendBody = z
  .strictObject({ message: MessageName, channel: z.enum(['email', 'sms']), to: z.string().min(3).max(254), memberId: z.string().min(1).optional(), sample: SampleSchema.optional(), vars: Vars.optional() })
  .refine((b) => !(b.memberId && b.sample), { message: 'give memberId or sample, not both' });
const ListQuery = z.strictObject({
  status: StatusSchema.optional(),
  campaignId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().optional(),
});
const StatsQuery = z.strictObject({ since: z.iso.datetime({ offset: true }).optional(), campaignId: z.string().optional(), message: MessageName.optional() });
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
  if (!id || Number.isNaN(createdAt.getTime())) throw new ValidationError('invalid_request', 'query.before: expected the nextBefore value of a previous page');
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

  app.post('/v1/messages', { schema: { tags: ['messages'], summary: 'Send a one-off message to a member (marketer)' } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const body = parseInput(SendBody, request.body);
    const member = await getMember(ctx.pool, body.memberId);
    // Fail fast on what the worker would dead-letter: unknown template, missing variables, bad address.
    await renderFor({ message: body.message, channel: body.channel, memberId: member.id, vars: body.vars ?? {} });
    checkAddress(body.channel, body.channel === 'email' ? member.email : body.channel === 'sms' ? member.phone : member.id);
    const id = `oneoff.${body.idempotencyKey ?? randomUUID()}.${body.channel}.${member.id}`;
    await sendMessages(ctx.pool, ctx.deliveryQueue, [
      { id, message: body.message, channel: body.channel, memberId: member.id, vars: body.vars ?? {}, campaignId: body.campaignId ?? null, requestedBy: actorOf(principal) },
    ]);
    return reply.code(202).send(await getMessage(ctx.pool, id));
  });

  app.post('/v1/messages/preview', { schema: { tags: ['messages'], summary: 'Render a message for a member or a sample member (subject, html, text)' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const body = parseInput(PreviewBody, request.body);
    const { rendered } = await renderFor(body);
    return rendered;
  });

  app.post('/v1/messages/test-send', { schema: { tags: ['messages'], summary: 'Send a rendered message to a test address (no policies, no member record)' } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const body = parseInput(TestSendBody, request.body);
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
    return reply.code(202).send(await getMessage(ctx.pool, id));
  });

  app.get('/v1/messages/stats', { schema: { tags: ['messages'], summary: 'Message counts by status: queued, held, sent, failed, suppressed, capped, dead' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const q = parseInput(StatsQuery, request.query, 'query');
    return messageStats(ctx.pool, { since: q.since ? new Date(q.since) : undefined, campaignId: q.campaignId, message: q.message });
  });

  app.get('/v1/messages', { schema: { tags: ['messages'], summary: 'Messages, newest first; ?status=dead lists the dead letters with their reasons' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const q = parseInput(ListQuery, request.query, 'query');
    const items = await listMessages(ctx.pool, { status: q.status, campaignId: q.campaignId, limit: q.limit, before: parseBefore(q.before) });
    const last = items[items.length - 1];
    return { items, nextBefore: items.length === q.limit && last ? `${last.createdAt.toISOString()}~${last.id}` : null };
  });

  app.get('/v1/messages/:id', { schema: { tags: ['messages'], summary: 'One message: status, attempts, reason' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(z.strictObject({ id: MessageIdSchema }), request.params, 'params');
    return getMessage(ctx.pool, id);
  });

  app.get('/v1/members/:id/messages', { schema: { tags: ['messages'], summary: "A member's messages with their status" } }, async (request) => {
    const { id } = parseInput(z.strictObject({ id: z.string().min(1) }), request.params, 'params');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const q = parseInput(ListQuery, request.query, 'query');
    if (!(await findMember(ctx.pool, id))) throw new NotFoundError('unknown_member', `member ${id} does not exist`, { memberId: id });
    const items = await listMessages(ctx.pool, { memberId: id, status: q.status, campaignId: q.campaignId, limit: q.limit, before: parseBefore(q.before) });
    const last = items[items.length - 1];
    return { items, nextBefore: items.length === q.limit && last ? `${last.createdAt.toISOString()}~${last.id}` : null };
  });

  app.get('/v1/members/:id/inbox', { schema: { tags: ['messages'], summary: "The member's in-app inbox, newest first, with the unread count" } }, async (request) => {
    const { id } = parseInput(z.strictObject({ id: z.string().min(1) }), request.params, 'params');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const q = parseInput(z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), unread: z.enum(['true', 'false']).optional() }), request.query, 'query');
    return listInbox(ctx.pool, id, { limit: q.limit, unreadOnly: q.unread === 'true' });
  });

  app.post('/v1/members/:id/inbox/:messageId/read', { schema: { tags: ['messages'], summary: 'Mark an inbox message read' } }, async (request) => {
    const { id, messageId } = parseInput(z.strictObject({ id: z.string().min(1), messageId: MessageIdSchema }), request.params, 'params');
    authorize(request, ['admin', 'member'], { memberId: id });
    return markInboxRead(ctx.pool, id, messageId);
  });

  app.put('/v1/templates/:message/:fileName', { schema: { tags: ['templates'], summary: 'Save a template version (validated: compiled and rendered for every tier and locale)' } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { message, fileName } = parseInput(z.strictObject({ message: MessageName, fileName: z.string().max(100) }), request.params, 'params');
    const body = parseInput(TemplateBody, request.body);
    const saved = await saveTemplate(ctx.pool, templates, { message, fileName, content: body.source, actor: actorOf(principal) });
    stored.invalidate();
    return reply.code(201).send({
      message: saved.message,
      fileName: saved.fileName,
      version: saved.version,
      createdBy: saved.createdBy,
      createdAt: saved.createdAt,
      previews: saved.previews.map((p) => ({ tier: p.tier, locale: p.locale, subject: p.rendered.subject ?? p.rendered.title ?? null, text: p.rendered.text ?? p.rendered.body ?? null })),
    });
  });

  app.get('/v1/templates/:message', { schema: { tags: ['templates'], summary: "A message's stored template versions, newest first" } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { message } = parseInput(z.strictObject({ message: MessageName }), request.params, 'params');
    return { message, versions: await listTemplateVersions(ctx.pool, message) };
  });

  app.post('/v1/suppressions', { schema: { tags: ['messages'], summary: 'Add an address to the suppression list (hard bounce, complaint, manual)' } }, async (request, reply) => {
    authorize(request, ['admin', 'marketer']);
    const body = parseInput(SuppressionBody, request.body);
    const address = checkAddress(body.channel, body.address);
    await addSuppression(ctx.pool, { channel: body.channel, address, scope: body.scope, reason: body.reason });
    return reply.code(201).send({ channel: body.channel, address, scope: body.scope, reason: body.reason });
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
    if (!claims) throw new ValidationError('invalid_unsubscribe_link', 'this unsubscribe link is not valid');
    return claims;
  }

  function registerUnsubscribeRoutes(app: FastifyInstance): void {
  app.get('/v1/unsubscribe/:token', { schema: { tags: ['messages'], summary: 'Unsubscribe page (the button posts the one-click request)', security: [] } }, async (request, reply) => {
    const { token } = parseInput(z.strictObject({ token: z.string().max(1000) }), request.params, 'params');
    claimsOf(token);
    const action = `/v1/unsubscribe/${encodeURIComponent(token)}`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Unsubscribe</title></head><body>` +
          `<form method="post" action="${action}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
          `<p>Stop receiving marketing messages from us on this channel?</p><button type="submit">Unsubscribe</button></form></body></html>`,
      );
  });

  app.post('/v1/unsubscribe/:token', { schema: { tags: ['messages'], summary: 'One-click unsubscribe (List-Unsubscribe-Post)', security: [] } }, async (request) => {
    const { token } = parseInput(z.strictObject({ token: z.string().max(1000) }), request.params, 'params');
    const claims = claimsOf(token);
    await unsubscribeMember(ctx.pool, claims.memberId, claims.channel);
    return { unsubscribed: true, channel: claims.channel };
  });
  }
}
