import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../auth/index.js';
import { eraseMember, exportMember } from '../../members/data-rights.js';
import { defineRoute } from '../route.js';
import { Erasure, MemberExport, MemberParams } from '../schemas/members.js';
import type { ApiContext } from '../server.js';

/** Member data rights: access (everything held about a member, as JSON) and erasure. Both audit logged. */
export function registerDataRightsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:id/export',
    tags: ['members'],
    summary: 'Everything Laurel holds about a member, as one JSON document (admin, or the member with a member token; audit logged). Streamed from one snapshot.',
    auth: { roles: ['admin', 'member'] },
    memberOf: ({ params }) => params.id,
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: {
      200: {
        contentType: 'application/json',
        schema: MemberExport,
        description: 'The document, streamed (Content-Disposition: attachment; filename="member-<id>.json")',
      },
    },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, principal, reply }) => {
      const document = await exportMember(ctx.pool, params.id, actorOf(principal));
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="member-${params.id}.json"`)
        .send(Readable.from(document));
    },
  });

  defineRoute(app, {
    method: 'DELETE',
    url: '/v1/members/:id',
    tags: ['members'],
    summary:
      'Erase a member (admin; audit logged; idempotent): personal data removed, unsent messages cancelled and nothing sent afterwards; ledger, tiers, awards and draw records kept under the id so totals still add up',
    auth: { roles: ['admin'] },
    params: MemberParams,
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: Erasure },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params, principal }) => await eraseMember(ctx.pool, params.id, actorOf(principal)),
  });
}
