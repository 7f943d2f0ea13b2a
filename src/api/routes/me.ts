import type { FastifyInstance } from 'fastify';
import { principalRole } from '../../auth/index.js';
import { authorize } from '../auth.js';

/** Who the credential is: the console shows what the role may do, the widget which member it is. */
export function registerMeRoutes(app: FastifyInstance): void {
  app.get('/v1/me', { schema: { tags: ['auth'], summary: 'The caller: an API key (its role and name, never the key) or a member token (its member id)' } }, async (request) => {
    const principal = authorize(request, ['admin', 'marketer', 'ingest', 'partner', 'member']);
    if (principal.kind === 'member') return { kind: 'member', role: 'member', memberId: principal.memberId };
    return { kind: 'key', role: principalRole(principal), name: principal.name, keyId: principal.keyId, partnerId: principal.partnerId };
  });
}
