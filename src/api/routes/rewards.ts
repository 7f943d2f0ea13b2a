import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { MemberIdSchema, getMember } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import {
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
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';
import { idempotencyHeader } from './members.js';

const RewardParams = z.strictObject({ id: RewardIdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const RedemptionParams = z.strictObject({ id: z.string().min(1).max(400) });
const RewardListQuery = z.strictObject({ status: z.enum(['active', 'archived', 'all']).default('active'), kind: z.enum(REWARD_KINDS).optional() });
const REDEMPTION_STATUSES = ['completed', 'requested', 'fulfilled', 'cancelled'] as const;
const RedemptionListQuery = z.strictObject({
  status: z.enum(REDEMPTION_STATUSES).optional(),
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

export function registerRewardRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Code pools come as CSV as well as JSON (the only route family that takes CSV).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/v1/rewards', { schema: { tags: ['rewards'], summary: 'The rewards catalog (members and keys that send events see active rewards only)' } }, async (request) => {
    const principal = authorize(request, ['admin', 'marketer', 'ingest', 'partner', 'member']);
    const query = parseInput(RewardListQuery, request.query, 'query');
    const status = principal.kind === 'key' && (principal.role === 'admin' || principal.role === 'marketer') ? query.status : 'active';
    return { rewards: await listRewards(ctx.pool, { status, kind: query.kind }) };
  });

  app.get('/v1/rewards/:id', { schema: { tags: ['rewards'], summary: 'One reward with its stock left' } }, async (request) => {
    authorize(request, ['admin', 'marketer', 'ingest', 'partner', 'member']);
    const { id } = parseInput(RewardParams, request.params, 'params', 'invalid_reward_id');
    return await getReward(ctx.pool, id);
  });

  app.put(
    '/v1/rewards/:id',
    { schema: { tags: ['rewards'], summary: 'Create or replace a catalog reward (no program version; audit logged)', body: jsonSchema(RewardInputSchema) } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(RewardParams, request.params, 'params', 'invalid_reward_id');
      const reward = parseInput(RewardInputSchema, request.body, 'body', 'invalid_reward');
      const program = await currentProgram(ctx.pool);
      const result = await putReward(ctx.pool, { id, reward, program: program.definition, actor: actorOf(principal) });
      return reply.code(result.created ? 201 : 200).send(result.reward);
    },
  );

  app.post('/v1/rewards/:id/archive', { schema: { tags: ['rewards'], summary: 'Archive a reward: no new redemptions (idempotent)' } }, async (request) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(RewardParams, request.params, 'params', 'invalid_reward_id');
    return await archiveReward(ctx.pool, { id, actor: actorOf(principal) });
  });

  app.post(
    '/v1/rewards/:id/codes',
    { schema: { tags: ['rewards'], summary: 'Import coupon codes into a coupon_code reward (text/csv, or JSON {codes}); codes already in the pool are skipped' } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(RewardParams, request.params, 'params', 'invalid_reward_id');
      const codes = parseCodePool(request.body);
      const result = await importRewardCodes(ctx.pool, { id, codes, actor: actorOf(principal) });
      return reply.code(201).send({ rewardId: id, added: result.added, skipped: result.skipped, available: result.reward.available });
    },
  );

  app.post(
    '/v1/members/:id/redemptions',
    {
      schema: {
        tags: ['rewards'],
        summary: 'Redeem a reward (idempotent; 409 insufficient_balance, out_of_stock, reward_limit_reached, idempotency_key_reused; 403 reward_tier_restricted)',
        body: jsonSchema(RedemptionBody),
      },
    },
    async (request, reply) => {
      const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
      const principal = authorize(request, ['admin', 'member'], { memberId: id });
      const body = parseInput(RedemptionBody, request.body);
      const key = body.idempotencyKey ?? idempotencyHeader(request.headers);
      if (!key) throw new ValidationError('idempotency_key_required', 'a redemption needs an idempotencyKey or an Idempotency-Key header');
      const result = await redeemReward(ctx.pool, { memberId: id, rewardId: body.rewardId, quantity: body.quantity, idempotencyKey: key, actor: actorOf(principal) });
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );

  app.get('/v1/members/:id/redemptions', { schema: { tags: ['rewards'], summary: "A member's redemptions, newest first (member token: own only)" } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const query = parseInput(MemberRedemptionQuery, request.query, 'query');
    await getMember(ctx.pool, id);
    return await listRedemptions(ctx.pool, { ...query, memberId: id });
  });

  app.get('/v1/redemptions', { schema: { tags: ['rewards'], summary: 'Redemptions, newest first (e.g. ?status=requested: the fulfilment queue)' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const query = parseInput(RedemptionListQuery, request.query, 'query');
    return await listRedemptions(ctx.pool, query);
  });

  app.get('/v1/redemptions/:id', { schema: { tags: ['rewards'], summary: 'One redemption (member token: own only)' } }, async (request) => {
    const { id } = parseInput(RedemptionParams, request.params, 'params', 'invalid_redemption_id');
    authorize(request, ['admin', 'marketer', 'member']);
    const redemption = await getRedemption(ctx.pool, id);
    authorize(request, ['admin', 'marketer', 'member'], { memberId: redemption.memberId });
    return redemption;
  });

  app.post('/v1/redemptions/:id/fulfil', { schema: { tags: ['rewards'], summary: 'Material reward delivered: requested → fulfilled (idempotent; audit logged)', body: jsonSchema(FulfilBody) } }, async (request) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(RedemptionParams, request.params, 'params', 'invalid_redemption_id');
    const body = parseInput(FulfilBody, request.body ?? {});
    return await fulfilRedemption(ctx.pool, { redemptionId: id, actor: actorOf(principal), note: body.note });
  });

  app.post(
    '/v1/redemptions/:id/cancel',
    { schema: { tags: ['rewards'], summary: 'Cancel a redemption (admin): its points go back to the lots they came from, with their expiry, in one entry (idempotent)', body: jsonSchema(CancelBody) } },
    async (request, reply) => {
      const principal = authorize(request, ['admin']);
      const { id } = parseInput(RedemptionParams, request.params, 'params', 'invalid_redemption_id');
      const body = parseInput(CancelBody, request.body);
      const result = await cancelRedemption(ctx.pool, { redemptionId: id, actor: actorOf(principal), reason: body.reason });
      return reply.code(200).send(result);
    },
  );
}
