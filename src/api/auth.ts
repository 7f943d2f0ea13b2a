import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeyCache, principalRole, verifyMemberToken, type Principal, type Role } from '../auth/index.js';
import type { Pool } from '../db/index.js';
import { LaurelError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** Why the credentials given were refused; thrown by authorize (public routes ignore it). */
    credentialError: UnauthorizedError | undefined;
  }
}

export class UnauthorizedError extends LaurelError {
  constructor(message: string) {
    super('unauthorized', message, { status: 401 });
  }
}

export class ForbiddenError extends LaurelError {
  constructor(message: string) {
    super('forbidden', message, { status: 403 });
  }
}

/** Reads `Authorization: Bearer <api key | member token>` on every request; routes decide what they need. */
export function registerAuthentication(app: FastifyInstance, deps: { pool: Pool; memberTokenSecret: string; keyCacheMs?: number }): void {
  const keys = new ApiKeyCache(deps.pool, deps.keyCacheMs);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('credentialError', undefined);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (!header) return;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      request.credentialError = new UnauthorizedError('Authorization must be "Bearer <key or member token>"');
      return;
    }
    const credential = match[1]!;
    if (credential.startsWith('mt.')) {
      const claims = verifyMemberToken(deps.memberTokenSecret, credential);
      if (!claims) request.credentialError = new UnauthorizedError('the member token is invalid or expired');
      else request.principal = { kind: 'member', memberId: claims.sub };
      return;
    }
    const key = await keys.find(credential);
    if (!key) request.credentialError = new UnauthorizedError('the API key is invalid, expired or revoked');
    else request.principal = { kind: 'key', keyId: key.id, role: key.role, name: key.name, partnerId: key.partnerId, dailyPointCap: key.dailyPointCap, rateLimitPerMinute: key.rateLimitPerMinute };
  });
}

/**
 * 401 without valid credentials; 403 when the caller's role may not do this, or a member token
 * reaches for another member. Returns the principal for the handler.
 */
export function authorize(request: FastifyRequest, roles: readonly Role[], options: { memberId?: string } = {}): Principal {
  if (request.credentialError) throw request.credentialError;
  const principal = request.principal;
  if (!principal) throw new UnauthorizedError('this endpoint needs "Authorization: Bearer <key or member token>"');
  const role = principalRole(principal);
  if (!roles.includes(role)) throw new ForbiddenError(`the ${role} role may not do this`);
  if (principal.kind === 'member' && options.memberId !== undefined && principal.memberId !== options.memberId) {
    throw new ForbiddenError('a member token reads and acts only for its own member');
  }
  return principal;
}
