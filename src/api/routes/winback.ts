import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LaurelError } from '../../errors/index.js';
import { winbackReport } from '../../journeys/winback/index.js';
import { defineRoute } from '../route.js';
import { LocalDate, Timestamp } from '../schemas/common.js';
import type { ApiContext } from '../server.js';

const WinbackStatus = z.enum(['active', 'regained', 'lapsed']);
const WinbackReportQuerySchema = z.strictObject({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  status: WinbackStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(1).max(300).optional(),
});

const Counts = { total: z.int(), active: z.int(), regained: z.int(), lapsed: z.int(), regainRate: z.number().min(0).max(1).nullable() };
const WinbackReport = z.object({
  from: LocalDate.nullable(),
  to: LocalDate.nullable(),
  totals: z.object(Counts),
  byReviewDate: z.array(z.object({ ...Counts, reviewDate: LocalDate })),
  items: z.array(
    z.object({
      id: z.string(),
      memberId: z.string(),
      fromTier: z.string(),
      toTier: z.string(),
      reviewDate: LocalDate,
      demotedAt: Timestamp,
      targetPoints: z.int().nullable(),
      progressPoints: z.int(),
      deadline: Timestamp.nullable(),
      status: WinbackStatus,
      endedAt: Timestamp.nullable(),
    }),
  ),
  nextBefore: z.string().nullable(),
});

/** Win-back outcomes after tier demotions (regained or lapsed, and those still running). */
export function registerWinbackRoutes(app: FastifyInstance, ctx: ApiContext): void {
  defineRoute(app, {
    method: 'GET',
    url: '/v1/reports/winback',
    tags: ['reports'],
    summary: 'Win-back outcomes: counts by outcome and by review date, and a newest-first page of journeys',
    auth: { roles: ['admin', 'marketer'] },
    query: WinbackReportQuerySchema,
    responses: { 200: WinbackReport },
    handler: async ({ query }) => {
      if (query.from && query.to && query.from > query.to) throw new LaurelError('invalid_request', 'query.from: must not be after query.to', { status: 422 });
      const report = await winbackReport(ctx.pool, query);
      return { from: query.from ?? null, to: query.to ?? null, ...report };
    },
  });
}
