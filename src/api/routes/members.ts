import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, issueMemberToken } from '../../auth/index.js';
import { adjustPoints, ledgerPage, memberSummary } from '../../ledger/index.js';
import { ConsentSchema, getMember, MemberIdSchema, MemberInputSchema, searchMembers, updateConsent, upsertMember } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { authorize } from '../auth.js';
import { ValidationError } from '../../errors/index.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const MemberParams = z.strictObject({ id: MemberIdSchema });
const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});
const AdjustmentBody = z.strictObject({
  points: z.int('expected an integer number of points').refine((n) => n !== 0, 'expected a non-zero number of points').refine((n) => Math.abs(n) <= 1_000_000_000, 'expected at most 1,000,000,000 points'),
  reason: z.string().min(3, 'a reason of at least 3 characters is required').max(500),
  idempotencyKey: z.string().min(1).max(200).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const SearchQuery = z.strictObject({
  q: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: MemberIdSchema.optional(),
});

export function idempotencyHeader(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 && value.length <= 200 ? value : undefined;
}

export function registerMemberRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put('/v1/members/:id', { schema: { tags: ['members'], summary: 'Create or update a member (your own member id)', body: jsonSchema(MemberInputSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    const input = parseInput(MemberInputSchema, request.body ?? {});
    const program = await currentProgram(ctx.pool);
    const { member, created } = await upsertMember(ctx.pool, id, input, program.definition, actorOf(principal));
    return reply.code(created ? 201 : 200).send(member);
  });

  app.get(
    '/v1/members',
    { schema: { tags: ['members'], summary: 'Find members: ?q= an e-mail, an E.164 phone or the start of a member id (none: all); id order, keyset paging with ?after=<last id>' } },
    async (request) => {
      authorize(request, ['admin', 'marketer']);
      const query = parseInput(SearchQuery, request.query, 'query');
      return await searchMembers(ctx.pool, { limit: query.limit, ...(query.q ? { q: query.q } : {}), ...(query.after ? { after: query.after } : {}) });
    },
  );

  app.put(
    '/v1/members/:id/consent',
    { schema: { tags: ['members'], summary: 'Set consent flags per channel (marketing, transactional); others keep their value. A member token may set its own.', body: jsonSchema(ConsentSchema) } },
    async (request) => {
      const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
      const principal = authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
      const change = parseInput(ConsentSchema, request.body ?? {});
      const member = await updateConsent(ctx.pool, id, change, actorOf(principal));
      return { memberId: member.id, consent: member.consent };
    },
  );

  app.get('/v1/members/:id', { schema: { tags: ['members'], summary: 'A member' } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    return await getMember(ctx.pool, id);
  });

  app.get('/v1/members/:id/summary', { schema: { tags: ['members'], summary: 'Balance, pending, tier progress, expiring points, recent entries' } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    return await memberSummary(ctx.pool, id);
  });

  app.get('/v1/members/:id/ledger', { schema: { tags: ['members'], summary: 'Ledger entries, newest first (keyset paging with ?before=<seq>)' } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const query = parseInput(LedgerQuery, request.query, 'query');
    await getMember(ctx.pool, id);
    return await ledgerPage(ctx.pool, id, { limit: query.limit, ...(query.before ? { before: query.before } : {}) });
  });

  app.post('/v1/members/:id/adjustments', { schema: { tags: ['members'], summary: 'Manual points adjustment (admin; audit logged)', body: jsonSchema(AdjustmentBody) } }, async (request, reply) => {
    const principal = authorize(request, ['admin']);
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    const body = parseInput(AdjustmentBody, request.body);
    const key = body.idempotencyKey ?? idempotencyHeader(request.headers);
    if (!key) throw new ValidationError('idempotency_key_required', 'an adjustment needs an idempotencyKey or an Idempotency-Key header');
    const result = await adjustPoints(ctx.pool, {
      memberId: id,
      points: body.points,
      reason: body.reason,
      idempotencyKey: key,
      actor: actorOf(principal),
      ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
    });
    return reply.code(result.replayed ? 200 : 201).send(result);
  });

  app.post('/v1/members/:id/tokens', { schema: { tags: ['members'], summary: 'Issue a short-lived member token (reads only that member; may redeem)' } }, async (request, reply) => {
    authorize(request, ['admin']);
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    await getMember(ctx.pool, id);
    const { token, expiresAt } = issueMemberToken(ctx.config.memberTokenSecret, id, ctx.config.memberTokenTtlSeconds);
    return reply.code(201).send({ token, expiresAt });
  });
}
