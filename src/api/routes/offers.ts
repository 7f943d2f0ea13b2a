import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { MemberIdSchema, getMember } from '../../members/index.js';
import {
  OfferDefinitionSchema,
  OfferIdSchema,
  archiveOffer,
  getOffer,
  importOfferCodes,
  issueOffer,
  listOffers,
  memberOffers,
  offerCounts,
  offerView,
  putOffer,
  redeemCoupon,
  type Offer,
} from '../../offers/index.js';
import { currentProgram } from '../../program/store.js';
import { parseCodePool } from '../../rewards/index.js';
import { SegmentIdSchema } from '../../journeys/campaigns/index.js';
import { getSegment, parseSegment } from '../../segments/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const OfferParams = z.strictObject({ id: OfferIdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const CouponParams = z.strictObject({ code: z.string().min(1).max(100) });
const OfferListQuery = z.strictObject({
  status: z.enum(['active', 'archived', 'all']).default('active'),
  campaignId: z.string().min(1).max(63).optional(),
  kind: z.enum(['bonus_rule', 'coupon', 'reward_discount']).optional(),
});
const MemberOffersQuery = z.strictObject({ status: z.enum(['active', 'all']).default('active') });
const IssueBody = z
  .strictObject({
    memberIds: z.array(MemberIdSchema).min(1).max(10_000).optional(),
    segmentId: SegmentIdSchema.optional(),
    segment: z.unknown().optional(),
  })
  .refine((b) => [b.memberIds, b.segmentId, b.segment].filter((x) => x !== undefined).length === 1, { message: 'expected exactly one of memberIds, segmentId and segment', path: ['memberIds'] });
const CouponRedeemBody = z.strictObject({
  memberId: MemberIdSchema,
  orderId: z.string().min(1).max(128),
  /** The order's amount in minor units: the revenue the coupon is credited with, and the base of a percent discount. */
  amount: z.int('expected an integer amount in minor units').min(0).max(1_000_000_000_000_000).optional(),
});

async function withCounts(ctx: ApiContext, offers: Offer[]) {
  const counts = await offerCounts(ctx.pool, offers.map((o) => o.id));
  return offers.map((o) => ({ ...offerView(o), counts: counts.get(o.id) }));
}

export function registerOfferRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put(
    '/v1/offers/:id',
    { schema: { tags: ['offers'], summary: 'Create or replace an offer (bonus_rule, coupon or reward_discount); audit logged', body: jsonSchema(OfferDefinitionSchema) } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(OfferParams, request.params, 'params', 'invalid_offer_id');
      const definition = parseInput(OfferDefinitionSchema, request.body, 'body', 'invalid_offer');
      const program = await currentProgram(ctx.pool);
      const { offer, created } = await putOffer(ctx.pool, { id, definition, program: program.definition, actor: actorOf(principal) });
      return reply.code(created ? 201 : 200).send((await withCounts(ctx, [offer]))[0]);
    },
  );

  app.get('/v1/offers', { schema: { tags: ['offers'], summary: 'Offers, newest first, with their grant and use counts' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const query = parseInput(OfferListQuery, request.query, 'query');
    return { items: await withCounts(ctx, await listOffers(ctx.pool, query)) };
  });

  app.get('/v1/offers/:id', { schema: { tags: ['offers'], summary: 'An offer with its grant and use counts' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(OfferParams, request.params, 'params', 'invalid_offer_id');
    return (await withCounts(ctx, [await getOffer(ctx.pool, id)]))[0];
  });

  app.post('/v1/offers/:id/archive', { schema: { tags: ['offers'], summary: 'Archive: no new grants; bonus, coupons and discounts stop working (idempotent)' } }, async (request) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(OfferParams, request.params, 'params', 'invalid_offer_id');
    return offerView(await archiveOffer(ctx.pool, { id, actor: actorOf(principal) }));
  });

  app.post(
    '/v1/offers/:id/issue',
    { schema: { tags: ['offers'], summary: 'Issue the offer on its own to members or a segment (idempotent: a member holds an offer once)', body: jsonSchema(IssueBody) } },
    async (request) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(OfferParams, request.params, 'params', 'invalid_offer_id');
      const body = parseInput(IssueBody, request.body, 'body', 'invalid_issue');
      const segment = body.segment !== undefined ? parseSegment(body.segment, 'body.segment') : body.segmentId ? (await getSegment(ctx.pool, body.segmentId)).definition : undefined;
      return await issueOffer(ctx.pool, { offerId: id, memberIds: body.memberIds, segment, actor: actorOf(principal) });
    },
  );

  app.post(
    '/v1/offers/:id/codes',
    { schema: { tags: ['offers'], summary: "Import codes into a coupon offer's pool (text/csv, or JSON {codes}); codes already in the pool are skipped" } },
    async (request, reply) => {
      const principal = authorize(request, ['admin', 'marketer']);
      const { id } = parseInput(OfferParams, request.params, 'params', 'invalid_offer_id');
      const codes = parseCodePool(request.body);
      return reply.code(201).send({ offerId: id, ...(await importOfferCodes(ctx.pool, { offerId: id, codes, actor: actorOf(principal) })) });
    },
  );

  app.post(
    '/v1/coupons/:code/redeem',
    {
      schema: {
        tags: ['offers'],
        summary: "Redeem a member's personal coupon for an order (idempotent on the order id); 404, 403 coupon_not_owned, 409 coupon_used, 410 coupon_expired",
        body: jsonSchema(CouponRedeemBody),
      },
    },
    async (request, reply) => {
      authorize(request, ['admin', 'ingest']);
      const { code } = parseInput(CouponParams, request.params, 'params', 'invalid_coupon_code');
      const body = parseInput(CouponRedeemBody, request.body);
      const result = await redeemCoupon(ctx.pool, { code, memberId: body.memberId, orderId: body.orderId, amount: body.amount });
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );

  app.get('/v1/members/:id/offers', { schema: { tags: ['offers'], summary: 'The offers a member holds: what each gives, until when, how much is left (member token: own only)' } }, async (request) => {
    const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
    const query = parseInput(MemberOffersQuery, request.query, 'query');
    await getMember(ctx.pool, id);
    return { items: await memberOffers(ctx.pool, id, { status: query.status }) };
  });
}
