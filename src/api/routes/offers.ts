import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { SegmentIdSchema } from '../../journeys/campaigns/index.js';
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
  type Offer as OfferRecord,
} from '../../offers/index.js';
import { currentProgram } from '../../program/store.js';
import { CodePoolJsonSchema, parseCodePool } from '../../rewards/index.js';
import { SegmentSchema, getSegment, parseSegment } from '../../segments/index.js';
import { defineRoute } from '../route.js';
import { CouponRedemption, HeldOffer, IssueResult, Offer, OfferKind, OfferWithCounts } from '../schemas/offers.js';
import type { ApiContext } from '../server.js';

const OfferParams = z.strictObject({ id: OfferIdSchema });
const MemberParams = z.strictObject({ id: MemberIdSchema });
const CouponParams = z.strictObject({ code: z.string().min(1).max(100) });
const OfferListQuery = z.strictObject({
  status: z.enum(['active', 'archived', 'all']).default('active'),
  campaignId: z.string().min(1).max(63).optional(),
  kind: OfferKind.optional(),
});
const MemberOffersQuery = z.strictObject({ status: z.enum(['active', 'all']).default('active') });
// Exactly one audience: said to the document too (oneOf), so a 400.
const IssueBody = z
  .strictObject({
    memberIds: z.array(MemberIdSchema).min(1).max(10_000).optional(),
    segmentId: SegmentIdSchema.optional(),
    segment: SegmentSchema.optional(),
  })
  .refine((b) => [b.memberIds, b.segmentId, b.segment].filter((x) => x !== undefined).length === 1, {
    message: 'expected exactly one of memberIds, segmentId and segment',
    path: ['memberIds'],
    params: { shape: true },
  })
  .meta({ oneOf: [{ required: ['memberIds'] }, { required: ['segmentId'] }, { required: ['segment'] }] });
const CouponRedeemBody = z.strictObject({
  memberId: MemberIdSchema,
  orderId: z.string().min(1).max(128),
  /** The order's amount in minor units: the revenue the coupon is credited with, and the base of a percent discount. */
  amount: z.int('expected an integer amount in minor units').min(0).max(1_000_000_000_000_000).optional(),
});

const MARKETERS = { roles: ['admin', 'marketer'] } as const;
const OFFER_ID = { params: 'invalid_offer_id' } as const;

async function withCounts(ctx: ApiContext, offers: OfferRecord[]) {
  const counts = await offerCounts(ctx.pool, offers.map((o) => o.id));
  return offers.map((o) => ({ ...offerView(o), counts: counts.get(o.id) }));
}

export function registerOfferRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'PUT',
    url: '/v1/offers/:id',
    tags: ['offers'],
    summary: 'Create or replace an offer (bonus_rule, coupon or reward_discount); audit logged',
    auth: MARKETERS,
    params: OfferParams,
    body: OfferDefinitionSchema,
    inputCodes: { ...OFFER_ID, body: 'invalid_offer' },
    responses: { 200: OfferWithCounts, 201: OfferWithCounts },
    problems: {
      // What the body names must exist and fit (a campaign step, an earning rule, a reward's price, a
      // window that ends after it starts, bonuses within the budget): the shape was right, so 422.
      422: ['invalid_offer', 'bonus_beyond_budget', 'unknown_tier'],
      404: ['no_program', 'unknown_campaign', 'unknown_reward'],
      409: ['campaign_not_draft', 'offer_window_overlap', 'offer_archived', 'offer_in_use', 'budget_below_given'],
    },
    handler: async ({ params, body, principal, reply }) => {
      const program = await currentProgram(ctx.pool);
      const { offer, created } = await putOffer(ctx.pool, { id: params.id, definition: body, program: program.definition, actor: actorOf(principal) });
      reply.code(created ? 201 : 200);
      return (await withCounts(ctx, [offer]))[0]!;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/offers',
    tags: ['offers'],
    summary: 'Offers, newest first, with their grant and use counts',
    auth: MARKETERS,
    query: OfferListQuery,
    responses: { 200: z.object({ items: z.array(OfferWithCounts) }) },
    handler: async ({ query }) => ({ items: await withCounts(ctx, await listOffers(ctx.pool, query)) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/offers/:id',
    tags: ['offers'],
    summary: 'An offer with its grant and use counts',
    auth: MARKETERS,
    params: OfferParams,
    inputCodes: OFFER_ID,
    responses: { 200: OfferWithCounts },
    problems: { 404: ['offer_not_found'] },
    handler: async ({ params }) => (await withCounts(ctx, [await getOffer(ctx.pool, params.id)]))[0]!,
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/offers/:id/archive',
    tags: ['offers'],
    summary: 'Archive: no new grants; bonus, coupons and discounts stop working (idempotent)',
    auth: MARKETERS,
    params: OfferParams,
    inputCodes: OFFER_ID,
    responses: { 200: Offer },
    problems: { 404: ['offer_not_found'] },
    handler: async ({ params, principal }) => offerView(await archiveOffer(ctx.pool, { id: params.id, actor: actorOf(principal) })),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/offers/:id/issue',
    tags: ['offers'],
    summary: 'Issue the offer on its own to members or a segment (idempotent: a member holds an offer once)',
    auth: MARKETERS,
    params: OfferParams,
    body: IssueBody,
    inputCodes: { ...OFFER_ID, body: 'invalid_issue' },
    responses: { 200: IssueResult },
    problems: { 400: ['invalid_segment'], 422: ['invalid_segment'], 404: ['offer_not_found', 'unknown_member', 'segment_not_found', 'no_program'], 409: ['offer_ended', 'offer_archived'] },
    handler: async ({ params, body, principal }) => {
      const segment = body.segment !== undefined ? parseSegment(body.segment, 'body.segment') : body.segmentId ? (await getSegment(ctx.pool, body.segmentId)).definition : undefined;
      return await issueOffer(ctx.pool, { offerId: params.id, memberIds: body.memberIds, segment, actor: actorOf(principal) });
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/offers/:id/codes',
    tags: ['offers'],
    summary: "Import codes into a coupon offer's pool (text/csv, or JSON {codes}); codes already in the pool are skipped",
    auth: MARKETERS,
    params: OfferParams,
    body: CodePoolJsonSchema,
    bodyTypes: ['application/json', { type: 'text/csv', schema: z.string().describe('one code per line, or a `code` column under a header line') }],
    parseBody: (value) => ({ codes: parseCodePool(value) }),
    inputCodes: { ...OFFER_ID, body: 'invalid_code_pool' },
    responses: { 201: z.object({ offerId: OfferIdSchema, added: z.int(), skipped: z.int(), free: z.int() }) },
    problems: { 404: ['offer_not_found'], 409: ['offer_has_no_pool', 'offer_archived', 'code_in_use'] },
    handler: async ({ params, body, principal }) => ({ offerId: params.id, ...(await importOfferCodes(ctx.pool, { offerId: params.id, codes: body.codes, actor: actorOf(principal) })) }),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/coupons/:code/redeem',
    tags: ['offers'],
    summary: "Redeem a member's personal coupon for an order (idempotent on the order id: the same order with another member or amount is 409 idempotency_key_reused)",
    auth: { roles: ['admin', 'ingest'] },
    params: CouponParams,
    body: CouponRedeemBody,
    inputCodes: { params: 'invalid_coupon_code' },
    responses: { 200: CouponRedemption, 201: CouponRedemption },
    problems: {
      403: ['coupon_not_owned'],
      404: ['coupon_not_found'],
      409: ['coupon_used', 'coupon_not_yet_valid', 'idempotency_key_reused'],
      410: ['coupon_expired', 'coupon_revoked'],
      422: ['order_below_minimum'],
    },
    handler: async ({ params, body, reply }) => {
      const result = await redeemCoupon(ctx.pool, { code: params.code, memberId: body.memberId, orderId: body.orderId, amount: body.amount });
      reply.code(result.replayed ? 200 : 201);
      return result;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/offers',
    tags: ['offers'],
    summary: 'The offers a member holds: what each gives, until when, how much is left (member token: own only)',
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    query: MemberOffersQuery,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: z.object({ items: z.array(HeldOffer) }) },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, query }) => {
      await getMember(ctx.pool, params.id);
      return { items: await memberOffers(ctx.pool, params.id, { status: query.status }) };
    },
  });
}
