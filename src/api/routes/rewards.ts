import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { MemberIdSchema, getMember } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import {
  CodePoolJsonSchema,
  REWARD_KINDS,
  RewardIdSchema,
  RewardInputSchema,
  archiveReward,
  cancelRedemption,
  fulfilRedemption,
  getRedemption,
  getReward,
  importRewardCodes,
  listRedemptions,
  listRewards,
  parseCodePool,
  putReward,
  redeemReward,
} from '../../rewards/index.js';
import { authorize } from '../auth.js';
import { defineRoute } from '../route.js';
import { IdempotencyKeyHeader, idempotencyKeyOf } from '../schemas/common.js';
import { Redemption, RedemptionPage, RedemptionResult, RedemptionStatus, Reward } from '../schemas/rewards.js';
import type { ApiContext } from '../server.js';

const RewardParams = z.strictObject({ id: RewardIdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const RedemptionParams = z.strictObject({ id: z.string().min(1).max(400) });
const RewardListQuery = z.strictObject({ status: z.enum(['active', 'archived', 'all']).default('active'), kind: z.enum(REWARD_KINDS).optional() });
const RedemptionListQuery = z.strictObject({
  status: RedemptionStatus.optional(),
  rewardId: RewardIdSchema.optional(),
  memberId: MemberIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(1).max(400).optional(),
});
const MemberRedemptionQuery = RedemptionListQuery.omit({ memberId: true });

const RedemptionBody = z.strictObject({
  rewardId: z.string().min(1).max(64),
  quantity: z.int().min(1).max(100).default(1),
  idempotencyKey: z.string().min(1).max(200).optional(),
});
const FulfilBody = z.strictObject({ note: z.string().max(500).optional() });
const CancelBody = z.strictObject({ reason: z.string().min(3, 'a reason of at least 3 characters is required').max(500) });

const READERS = { roles: ['admin', 'marketer', 'ingest', 'partner', 'member'] } as const;
const MARKETERS = { roles: ['admin', 'marketer'] } as const;
const REWARD_ID = { params: 'invalid_reward_id' } as const;
const REDEMPTION_ID = { params: 'invalid_redemption_id' } as const;
const REDEEM_PROBLEMS = {
  403: ['reward_tier_restricted'],
  422: ['idempotency_key_required'],
  404: ['unknown_member', 'unknown_reward'],
  409: ['insufficient_balance', 'out_of_stock', 'reward_limit_reached', 'reward_archived', 'reward_has_no_codes', 'idempotency_key_reused'],
} as const;

export function registerRewardRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Code pools come as CSV as well as JSON (the only route family that takes CSV).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  defineRoute(app, {
    method: 'GET',
    url: '/v1/rewards',
    tags: ['rewards'],
    summary: 'The rewards catalog (members and keys that send events see active rewards only)',
    auth: READERS,
    query: RewardListQuery,
    responses: { 200: z.object({ rewards: z.array(Reward) }) },
    handler: async ({ query, principal }) => {
      const status = principal.kind === 'key' && (principal.role === 'admin' || principal.role === 'marketer') ? query.status : 'active';
      return { rewards: await listRewards(ctx.pool, { status, kind: query.kind }) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/rewards/:id',
    tags: ['rewards'],
    summary: 'One reward with its stock left',
    auth: READERS,
    params: RewardParams,
    inputCodes: REWARD_ID,
    responses: { 200: Reward },
    problems: { 404: ['unknown_reward'] },
    handler: async ({ params }) => await getReward(ctx.pool, params.id),
  });

  defineRoute(app, {
    method: 'PUT',
    url: '/v1/rewards/:id',
    tags: ['rewards'],
    summary: 'Create or replace a catalog reward (no program version; audit logged)',
    auth: MARKETERS,
    params: RewardParams,
    body: RewardInputSchema,
    inputCodes: { ...REWARD_ID, body: 'invalid_reward' },
    responses: { 200: Reward, 201: Reward },
    problems: { 422: ['unknown_tier'], 404: ['no_program'], 409: ['reward_kind_locked', 'stock_below_redeemed', 'reward_archived'] },
    handler: async ({ params, body, principal, reply }) => {
      const program = await currentProgram(ctx.pool);
      const result = await putReward(ctx.pool, { id: params.id, reward: body, program: program.definition, actor: actorOf(principal) });
      reply.code(result.created ? 201 : 200);
      return result.reward;
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/rewards/:id/archive',
    tags: ['rewards'],
    summary: 'Archive a reward: no new redemptions (idempotent)',
    auth: MARKETERS,
    params: RewardParams,
    inputCodes: REWARD_ID,
    responses: { 200: Reward },
    problems: { 404: ['unknown_reward'] },
    handler: async ({ params, principal }) => await archiveReward(ctx.pool, { id: params.id, actor: actorOf(principal) }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/rewards/:id/codes',
    tags: ['rewards'],
    summary: 'Import coupon codes into a coupon_code reward (text/csv, or JSON {codes}); codes already in the pool are skipped',
    auth: MARKETERS,
    params: RewardParams,
    body: CodePoolJsonSchema,
    bodyTypes: ['application/json', { type: 'text/csv', schema: z.string().describe('one code per line, or a `code` column under a header line') }],
    parseBody: (value) => ({ codes: parseCodePool(value) }),
    inputCodes: { ...REWARD_ID, body: 'invalid_code_pool' },
    responses: { 201: z.object({ rewardId: z.string(), added: z.int(), skipped: z.int(), available: z.int().nullable() }) },
    problems: { 404: ['unknown_reward'], 409: ['reward_has_no_codes', 'reward_archived'] },
    handler: async ({ params, body, principal }) => {
      const result = await importRewardCodes(ctx.pool, { id: params.id, codes: body.codes, actor: actorOf(principal) });
      return { rewardId: params.id, added: result.added, skipped: result.skipped, available: result.reward.available };
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/members/:id/redemptions',
    tags: ['rewards'],
    summary: 'Redeem a reward (idempotent: the same key with another reward or quantity is 409 idempotency_key_reused)',
    auth: { roles: ['admin', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    headers: IdempotencyKeyHeader,
    body: RedemptionBody,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 201: RedemptionResult, 200: RedemptionResult.describe('A replay: the original redemption') },
    problems: REDEEM_PROBLEMS,
    handler: async ({ params, headers, body, principal, reply }) => {
      const key = idempotencyKeyOf(body, headers);
      if (!key) throw new ValidationError('idempotency_key_required', 'a redemption needs an idempotencyKey or an Idempotency-Key header', undefined, 422);
      const result = await redeemReward(ctx.pool, { memberId: params.id, rewardId: body.rewardId, quantity: body.quantity, idempotencyKey: key, actor: actorOf(principal) });
      reply.code(result.replayed ? 200 : 201);
      return result;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/redemptions',
    tags: ['rewards'],
    summary: "A member's redemptions, newest first (member token: own only)",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: MemberRedemptionQuery,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: RedemptionPage },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, query }) => {
      await getMember(ctx.pool, params.id);
      return await listRedemptions(ctx.pool, { ...query, memberId: params.id });
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/redemptions',
    tags: ['rewards'],
    summary: 'Redemptions, newest first (e.g. ?status=requested: the fulfilment queue)',
    auth: MARKETERS,
    query: RedemptionListQuery,
    responses: { 200: RedemptionPage },
    handler: async ({ query }) => await listRedemptions(ctx.pool, query),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/redemptions/:id',
    tags: ['rewards'],
    summary: 'One redemption (member token: own only)',
    auth: { roles: ['admin', 'marketer', 'member'] },
    params: RedemptionParams,
    inputCodes: REDEMPTION_ID,
    responses: { 200: Redemption },
    problems: { 404: ['redemption_not_found'] },
    handler: async ({ params, request }) => {
      const redemption = await getRedemption(ctx.pool, params.id);
      authorize(request, ['admin', 'marketer', 'member'], { memberId: redemption.memberId });
      return redemption;
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/redemptions/:id/fulfil',
    tags: ['rewards'],
    summary: 'Material reward delivered: requested → fulfilled (idempotent; audit logged)',
    auth: MARKETERS,
    params: RedemptionParams,
    body: FulfilBody,
    bodyOptional: true,
    inputCodes: REDEMPTION_ID,
    responses: { 200: Redemption },
    problems: { 404: ['redemption_not_found'], 409: ['redemption_not_fulfillable'] },
    handler: async ({ params, body, principal }) => await fulfilRedemption(ctx.pool, { redemptionId: params.id, actor: actorOf(principal), note: body.note }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/redemptions/:id/cancel',
    tags: ['rewards'],
    summary: 'Cancel a redemption (admin): its points go back to the lots they came from, with their expiry, in one entry (idempotent)',
    auth: { roles: ['admin'] },
    params: RedemptionParams,
    body: CancelBody,
    inputCodes: REDEMPTION_ID,
    responses: { 200: RedemptionResult },
    problems: { 404: ['redemption_not_found'], 409: ['redemption_fulfilled'] },
    handler: async ({ params, body, principal }) => await cancelRedemption(ctx.pool, { redemptionId: params.id, actor: actorOf(principal), reason: body.reason }),
  });
}
