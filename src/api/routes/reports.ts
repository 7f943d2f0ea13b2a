import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors/index.js';
import { REPORTS, parseReportQuery, toCsv, type ReportDefinition } from '../../reports/index.js';
import { authorize } from '../auth.js';
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';

function wantsCsv(request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv/i.test(accept) && !/(^|,)\s*application\/json/i.test(accept);
}

async function serveReport(ctx: ApiContext, report: ReportDefinition, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  authorize(request, ['admin', 'marketer']);
  const query = parseReportQuery(report.query, request.query);
  const tableNames = Object.keys(report.tables);
  const table = query.table ?? tableNames[0]!;
  const toRows = report.tables[table];
  if (!toRows) throw new ValidationError('invalid_report_query', `query.table: the ${report.name} report has the tables ${tableNames.join(', ')}`, { tables: tableNames });
  const result = (await report.run(ctx.pool, query)) as { timeZone: string; from: string; to: string; interval: string; programVersions: { version: number }[] };
  if (!wantsCsv(request, query.format)) return result;
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${report.name}-${table}_${result.from}_${result.to}_${result.interval}.csv"`)
    .header('laurel-report-time-zone', result.timeZone)
    .header('laurel-report-program-versions', result.programVersions.map((v) => v.version).join(' '))
    .send(toCsv(toRows(result)));
}

/**
 * `GET /v1/reports/<name>` for every report in the registry (marketer or admin), JSON or CSV
 * (`Accept: text/csv` or `?format=csv`). The win-back report has its own route (routes/winback.ts).
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const report of REPORTS.values()) {
    app.get(
      `/v1/reports/${report.name}`,
      {
        schema: {
          tags: ['reports'],
          summary: report.summary,
          querystring: jsonSchema(report.query),
          produces: ['application/json', 'text/csv'],
        },
      },
      (request, reply) => serveReport(ctx, report, request, reply),
    );
  }
  app.get('/v1/reports/:report', { schema: { hide: true } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { report } = request.params as { report: string };
    const known = [...REPORTS.keys(), 'winback'].sort();
    throw new ValidationError('unknown_report', `no report "${report.slice(0, 60)}"; the reports are ${known.join(', ')}`, { reports: known });
  });
}
