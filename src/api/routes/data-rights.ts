import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { eraseMember, exportMember } from '../../members/data-rights.js';
import { MemberIdSchema } from '../../members/index.js';
import { authorize } from '../auth.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const MemberParams = z.strictObject({ id: MemberIdSchema });

/** Member data rights: access (everything held about a member, as JSON) and erasure. Both audit logged. */
export function registerDataRightsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/members/:id/export',
    {
      schema: {
        tags: ['members'],
        summary: 'Everything Laurel holds about a member, as one JSON document (admin, or the member with a member token; audit logged). Streamed from one snapshot.',
        produces: ['application/json'],
      },
    },
    async (request, reply) => {
      const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
      const principal = authorize(request, ['admin', 'member'], { memberId: id });
      const document = await exportMember(ctx.pool, id, actorOf(principal));
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="member-${id}.json"`)
        .send(Readable.from(document));
    },
  );

  app.delete(
    '/v1/members/:id',
    {
      schema: {
        tags: ['members'],
        summary:
          'Erase a member (admin; audit logged; idempotent): personal data removed, unsent messages cancelled and nothing sent afterwards; ledger, tiers, awards and draw records kept under the id so totals still add up',
      },
    },
    async (request) => {
      const { id } = parseInput(MemberParams, request.params, 'params', 'invalid_member_id');
      const principal = authorize(request, ['admin']);
      return await eraseMember(ctx.pool, id, actorOf(principal));
    },
  );
}
