import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute } from '../route.js';

const Me = z.union([
  z.object({ kind: z.literal('member'), role: z.literal('member'), memberId: z.string() }),
  z.object({ kind: z.literal('key'), role: z.enum(['admin', 'marketer', 'ingest', 'partner']), name: z.string(), keyId: z.string(), partnerId: z.string().nullable() }),
]);

/** Who the credential is: the console shows what the role may do, the widget which member it is. */
export function registerMeRoutes(app: FastifyInstance): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/me',
    tags: ['auth'],
    summary: 'The caller: an API key (its role and name, never the key) or a member token (its member id)',
    auth: { roles: ['admin', 'marketer', 'ingest', 'partner', 'member'] },
    responses: { 200: Me },
    handler: async ({ principal }) => {
      if (principal.kind === 'member') return { kind: 'member' as const, role: 'member' as const, memberId: principal.memberId };
      return { kind: 'key' as const, role: principal.role, name: principal.name, keyId: principal.keyId, partnerId: principal.partnerId };
    },
  });
}
