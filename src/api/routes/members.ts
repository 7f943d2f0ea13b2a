import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, issueMemberToken } from '../../auth/index.js';
import { adjustPoints, ledgerPage, memberSummary } from '../../ledger/index.js';
import { ConsentSchema, getMember, MemberIdSchema, MemberInputSchema, searchMembers, updateConsent, upsertMember } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { ValidationError } from '../../errors/index.js';
import { defineRoute } from '../route.js';
import { IdempotencyKeyHeader, idempotencyKeyOf } from '../schemas/common.js';
import { AdjustmentResult, LedgerPage, Member, MemberConsent, MemberParams, MemberSearchPage, MemberSummary, MemberToken } from '../schemas/members.js';
import type { ApiContext } from '../server.js';

const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional().describe('the `next` of the previous page'),
});
const AdjustmentBody = z.strictObject({
  points: z
    .int('expected an integer number of points')
    .min(-1_000_000_000, 'expected at most 1,000,000,000 points')
    .max(1_000_000_000, 'expected at most 1,000,000,000 points')
    .refine((n) => n !== 0, 'expected a non-zero number of points'),
  reason: z.string().min(3, 'a reason of at least 3 characters is required').max(500),
  idempotencyKey: z.string().min(1).max(200).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const SearchQuery = z.strictObject({
  q: z.string().max(254).optional().describe('an e-mail address, an E.164 phone number or the start of a member id'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: MemberIdSchema.optional().describe('the nextAfter of the previous page'),
});

const MEMBER_READERS = ['admin', 'marketer', 'member'] as const;

export function registerMemberRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'PUT',
    url: '/v1/members/:id',
    tags: ['members'],
    summary: 'Create or update a member (your own member id); omitted fields keep their value',
    auth: { roles: ['admin', 'marketer'] },
    params: MemberParams,
    body: MemberInputSchema,
    bodyOptional: true,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: Member, 201: Member },
    problems: { 404: ['no_program'], 409: ['member_erased'], 422: ['unknown_referral_code'] },
    handler: async ({ params, body, principal, reply }) => {
      const program = await currentProgram(ctx.pool);
      const { member, created } = await upsertMember(ctx.pool, params.id, body, program.definition, actorOf(principal));
      reply.code(created ? 201 : 200);
      return member;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members',
    tags: ['members'],
    summary: 'Find members: ?q= an e-mail, an E.164 phone or the start of a member id (none: all); id order, keyset paging with ?after=<last id>',
    auth: { roles: ['admin', 'marketer'] },
    query: SearchQuery,
    responses: { 200: MemberSearchPage },
    handler: async ({ query }) => await searchMembers(ctx.pool, { limit: query.limit, ...(query.q ? { q: query.q } : {}), ...(query.after ? { after: query.after } : {}) }),
  });

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/members/:id/consent',
    tags: ['members'],
    summary: 'Set consent flags per channel (marketing, transactional); others keep their value. A member token may set its own.',
    auth: { roles: MEMBER_READERS },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    body: ConsentSchema,
    bodyOptional: true,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: MemberConsent },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, body, principal }) => {
      const member = await updateConsent(ctx.pool, params.id, body, actorOf(principal));
      return { memberId: member.id, consent: member.consent };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id',
    tags: ['members'],
    summary: 'A member',
    auth: { roles: MEMBER_READERS },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: Member },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params }) => await getMember(ctx.pool, params.id),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/summary',
    tags: ['members'],
    summary: 'Balance, pending, tier progress, expiring points, recent entries',
    auth: { roles: MEMBER_READERS },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: MemberSummary },
    problems: { 404: ['unknown_member', 'no_program'] },
    handler: async ({ params }) => await memberSummary(ctx.pool, params.id),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/ledger',
    tags: ['members'],
    summary: 'Ledger entries, newest first (keyset paging with ?before=<seq>)',
    auth: { roles: MEMBER_READERS },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: LedgerQuery,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: LedgerPage },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, query }) => {
      await getMember(ctx.pool, params.id);
      return await ledgerPage(ctx.pool, params.id, { limit: query.limit, ...(query.before ? { before: query.before } : {}) });
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/members/:id/adjustments',
    tags: ['members'],
    summary: 'Manual points adjustment (admin; reason required; audit logged; idempotent)',
    auth: { roles: ['admin'] },
    params: MemberParams,
    headers: IdempotencyKeyHeader,
    body: AdjustmentBody,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 201: AdjustmentResult, 200: AdjustmentResult },
    problems: { 422: ['idempotency_key_required'], 404: ['unknown_member', 'no_program'], 409: ['insufficient_balance', 'idempotency_key_reused'] },
    handler: async ({ params, headers, body, principal, reply }) => {
      const key = idempotencyKeyOf(body, headers);
      if (!key) throw new ValidationError('idempotency_key_required', 'an adjustment needs an idempotencyKey or an Idempotency-Key header', undefined, 422);
      const result = await adjustPoints(ctx.pool, {
        memberId: params.id,
        points: body.points,
        reason: body.reason,
        idempotencyKey: key,
        actor: actorOf(principal),
        ...(body.expiresAt ? { expiresAt: new Date(body.expiresAt) } : {}),
      });
      reply.code(result.replayed ? 200 : 201);
      return result;
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/members/:id/tokens',
    tags: ['members'],
    summary: 'Issue a short-lived member token (reads only that member; may redeem)',
    auth: { roles: ['admin'] },
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 201: MemberToken },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params }) => {
      await getMember(ctx.pool, params.id);
      return issueMemberToken(ctx.config.memberTokenSecret, params.id, ctx.config.memberTokenTtlSeconds);
    },
  });
}
