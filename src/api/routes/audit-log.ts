import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listAuditLog } from '../../audit/index.js';
import { LaurelError } from '../../errors/index.js';
import { defineRoute } from '../route.js';
import { Timestamp } from '../schemas/common.js';
import type { ApiContext } from '../server.js';

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

const AuditLogPage = z.object({
  items: z.array(
    z.object({ id: z.int(), actor: z.string(), action: z.string(), subject: z.string().nullable(), before: z.unknown(), after: z.unknown(), at: Timestamp }).meta({ id: 'AuditLogEntry' }),
  ),
  nextBefore: z.int().nullable(),
});

/** The append-only audit log, newest first (admin only: it holds the before/after of admin writes). */
export function registerAuditLogRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/audit-log',
    tags: ['audit'],
    summary: 'Audit log entries, newest first; filters actor, action (or family.*), subject (or kind:*), from/to; keyset paging with ?before=<id>',
    auth: { roles: ['admin'] },
    query: AuditLogQuerySchema,
    responses: { 200: AuditLogPage },
    handler: async ({ query }) => {
      if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
        throw new LaurelError('invalid_request', 'query.from: must be before query.to', { status: 422 });
      }
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
  });
}
