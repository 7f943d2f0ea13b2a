import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listAuditLog } from '../../audit/index.js';
import { ValidationError } from '../../errors/index.js';
import { authorize } from '../auth.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

export const AuditLogQuerySchema = z.strictObject({
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_.-]{0,99}(\.\*)?$/, 'expected an action such as member.update, or a family such as member.*')
    .optional(),
  subject: z.string().min(1).max(300).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
});

/** The append-only audit log, newest first (admin only: it holds the before/after of admin writes). */
export function registerAuditLogRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/audit-log',
    { schema: { tags: ['audit'], summary: 'Audit log entries, newest first; filters actor, action (or family.*), subject (or kind:*), from/to; keyset paging with ?before=<id>' } },
    async (request) => {
      authorize(request, ['admin']);
      const query = parseInput(AuditLogQuerySchema, request.query, 'query');
      if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) throw new ValidationError('invalid_request', 'query.from: must be before query.to');
      return await listAuditLog(ctx.pool, {
        limit: query.limit,
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
        ...(query.subject ? { subject: query.subject } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.before ? { before: query.before } : {}),
      });
    },
  );
}
