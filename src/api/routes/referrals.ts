import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LaurelError } from '../../errors/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { memberReferral, referralCodeOf } from '../../referrals/index.js';
import { authorize } from '../auth.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const MemberParams = z.strictObject({ id: MemberIdSchema });

/** The referral program's member side: a member's code, who referred them, how their referrals stand. */
export function registerReferralRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/members/:id/referral',
    { schema: { tags: ['members'], summary: "A member's referral code (made on first ask), who referred them, and their referrals by status (a member token may read its own)" } },
    async (request) => {
      const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
      authorize(request, ['admin', 'marketer', 'member'], { memberId: id });
      if (!(await currentProgram(ctx.pool)).definition.referrals) {
        throw new LaurelError('referrals_disabled', 'the program has no referral program (add `referrals` to the program file)', { status: 409 });
      }
      await getMember(ctx.pool, id);
      const { rows } = await ctx.pool.query<{ erased: boolean }>(`SELECT erased_at IS NOT NULL AS erased FROM members WHERE id = $1`, [id]);
      if (rows[0]?.erased) throw new LaurelError('member_erased', `member ${id} was erased (data rights)`, { status: 409, details: { memberId: id } });
      return await memberReferral(ctx.pool, id, await referralCodeOf(ctx.pool, id));
    },
  );
}
