import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { winbackReport } from '../../journeys/winback/index.js';
import { authorize } from '../auth.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const WinbackReportQuerySchema = z.strictObject({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  status: z.enum(['active', 'regained', 'lapsed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().min(1).max(300).optional(),
});

/** Win-back outcomes after tier demotions (regained or lapsed, and those still running). */
export function registerWinbackRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/reports/winback',
    { schema: { tags: ['reports'], summary: 'Win-back outcomes: counts by outcome and by review date, and a newest-first page of journeys' } },
    async (request) => {
      authorize(request, ['admin', 'marketer']);
      const query = parseInput(WinbackReportQuerySchema, request.query, 'query');
      if (query.from && query.to && query.from > query.to) throw new ValidationError('invalid_request', 'query.from: must not be after query.to');
      const report = await winbackReport(ctx.pool, query);
      return {
        from: query.from ?? null,
        to: query.to ?? null,
        totals: report.totals,
        byReviewDate: report.byReviewDate,
        items: report.items.map((i) => ({
          ...i,
          demotedAt: i.demotedAt.toISOString(),
          deadline: i.deadline?.toISOString() ?? null,
          endedAt: i.endedAt?.toISOString() ?? null,
        })),
        nextBefore: report.nextBefore,
      };
    },
  );
}
