import type { FastifyInstance } from 'fastify';
import { LaurelError } from '../../errors/index.js';
import { getMember } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { memberReferral, referralCodeOf } from '../../referrals/index.js';
import { defineRoute } from '../route.js';
import { MemberParams, MemberReferral } from '../schemas/members.js';
import type { ApiContext } from '../server.js';

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
}
