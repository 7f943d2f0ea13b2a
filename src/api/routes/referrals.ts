import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LaurelError } from '../../errors/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { listReferrals, memberReferral, referralCodeOf } from '../../referrals/index.js';
import { defineRoute } from '../route.js';
import { MemberParams, MemberReferral, ReferralPage, ReferralRejectReason, ReferralStatus } from '../schemas/members.js';
import type { ApiContext } from '../server.js';

const MEMBER_ID = '[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}';
const ReferralListQuery = z.strictObject({
  status: ReferralStatus.optional(),
  rejectReason: ReferralRejectReason.optional(),
  referrerId: MemberIdSchema.optional(),
  refereeId: MemberIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(new RegExp(`^${MEMBER_ID}:${MEMBER_ID}$`), 'expected the nextBefore of the previous page').optional(),
});

/** The referral program's member side: a member's code, who referred them, how their referrals stand. */
export function registerReferralRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/referral',
    tags: ['members'],
    summary: "A member's referral code (made on first ask), who referred them, and their referrals by status (a member token may read its own)",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: MemberReferral },
    problems: { 404: ['no_program', 'unknown_member'], 409: ['referrals_disabled', 'member_erased'] },
    handler: async ({ params: { id } }) => {
      if (!(await currentProgram(ctx.pool)).definition.referrals) {
        throw new LaurelError('referrals_disabled', 'the program has no referral program (add `referrals` to the program file)', { status: 409 });
      }
      await getMember(ctx.pool, id);
      const { rows } = await ctx.pool.query<{ erased: boolean }>(`SELECT erased_at IS NOT NULL AS erased FROM members WHERE id = $1`, [id]);
      if (rows[0]?.erased) throw new LaurelError('member_erased', `member ${id} was erased (data rights)`, { status: 409, details: { memberId: id } });
      return await memberReferral(ctx.pool, id, await referralCodeOf(ctx.pool, id));
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/referrals',
    tags: ['members'],
    summary: 'Referral attempts, newest first (admin, marketer): filters status, rejectReason, referrerId, refereeId; keyset paging with ?before=<nextBefore>',
    auth: { roles: ['admin', 'marketer'] },
    query: ReferralListQuery,
    responses: { 200: ReferralPage },
    handler: async ({ query }) => await listReferrals(ctx.pool, query),
  });
}
