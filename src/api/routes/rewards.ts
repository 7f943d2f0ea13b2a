import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { redeemReward } from '../../ledger/index.js';
import { MemberIdSchema } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';
import { idempotencyHeader } from './members.js';

const RedemptionBody = z.strictObject({
  rewardId: z.string().min(1).max(64),
  quantity: z.int().min(1).max(100).default(1),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

export function registerRewardRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/rewards', { schema: { tags: ['rewards'], summary: 'The rewards catalog of the program in force' } }, async (request) => {
    authorize(request, ['admin', 'marketer', 'ingest', 'partner', 'member']);
    const program = await currentProgram(ctx.pool);
    return { programVersion: program.version, rewards: program.definition.rewards };
  });

  app.post(
    '/v1/members/:id/redemptions',
    { schema: { tags: ['rewards'], summary: 'Redeem a reward (idempotent; 409 insufficient_balance)', body: jsonSchema(RedemptionBody) } },
    async (request, reply) => {
      const { id } = parseInput(z.strictObject({ id: MemberIdSchema }), request.params, 'params', 'invalid_member_id');
      const principal = authorize(request, ['admin', 'member'], { memberId: id });
      const body = parseInput(RedemptionBody, request.body);
      const key = body.idempotencyKey ?? idempotencyHeader(request.headers);
      if (!key) throw new ValidationError('idempotency_key_required', 'a redemption needs an idempotencyKey or an Idempotency-Key header');
      const result = await redeemReward(ctx.pool, { memberId: id, rewardId: body.rewardId, quantity: body.quantity, idempotencyKey: key, actor: actorOf(principal) });
      return reply.code(result.replayed ? 200 : 201).send(result);
    },
  );
}
