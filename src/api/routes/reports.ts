import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { REPORTS, csvColumns, parseReportQuery, toCsv, type ReportQuery } from '../../reports/index.js';
import { defineRoute } from '../route.js';
import type { ApiContext } from '../server.js';

const MARKETERS = { roles: ['admin', 'marketer'] } as const;

function wantsCsv(request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv/i.test(accept) && !/(^|,)\s*application\/json/i.test(accept);
}

/**
 * `GET /v1/reports/<name>` for every report in the registry (marketer or admin), JSON or CSV
 * (`Accept: text/csv` or `?format=csv`). The win-back report has its own route (routes/winback.ts).
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  for (const report of REPORTS.values()) {
    defineRoute(app, {
      method: 'GET',
      url: `/v1/reports/${report.name}`,
      tags: ['reports'],
      summary: report.summary,
      auth: MARKETERS,
      query: report.query,
      // The dates and the range have codes of their own (invalid_date, range_inverted, too_many_intervals).
      parseQuery: (raw) => parseReportQuery(report.query, raw),
      inputCodes: { query: 'invalid_report_query' },
      responses: {
        200: {
          contentType: 'application/json',
          schema: report.response,
          also: { 'text/csv': z.string().describe('the table named by ?table= (default: the first), with a header line') },
          description: 'The report; as CSV with `Accept: text/csv` or `?format=csv`',
        },
      },
      // A date of the wrong shape is 400 invalid_date; a day the month lacks, from after to, or more
      // intervals than a report may have fit the documented shape: 422.
      problems: { 400: ['invalid_date'], 422: ['invalid_date', 'range_inverted', 'too_many_intervals'] },
      handler: async ({ query: parsed, request, reply }) => {
        const query = parsed as unknown as ReportQuery & Record<string, unknown>; // what parseQuery returned: the registry erases each report's own query type
        const tableNames = Object.keys(report.tables);
        const table = query.table ?? tableNames[0]!;
        const csvTable = report.tables[table];
        // A well-formed name this report has no table of: 422, naming the tables it has.
        if (!csvTable) throw new ValidationError('invalid_report_query', `query.table: the ${report.name} report has the tables ${tableNames.join(', ')}`, { tables: tableNames }, 422);
        const result = (await report.run(ctx.pool, query)) as { timeZone: string; from: string; to: string; interval: string; programVersions: { version: number }[] };
        if (!wantsCsv(request, query.format)) return result;
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${report.name}-${table}_${result.from}_${result.to}_${result.interval}.csv"`)
          .header('laurel-report-time-zone', result.timeZone)
          .header('laurel-report-program-versions', result.programVersions.map((v) => v.version).join(' '));
        const rows = csvTable.rows(result);
        // A table without rows still gets its header line (a spreadsheet import expects one).
        return toCsv(rows, rows.length === 0 ? csvColumns(csvTable.row) : []);
      },
    });
  }

  defineRoute(app, {
    method: 'GET',
    url: '/v1/reports/:report',
    tags: ['reports'],
    summary: 'Any other report name: 404 unknown_report, listing the reports there are',
    auth: MARKETERS,
    params: z.strictObject({ report: z.string().min(1).max(200) }),
    responses: {},
    problems: { 404: ['unknown_report'] },
    handler: async ({ params }) => {
      const known = [...REPORTS.keys(), 'winback'].sort();
      throw new NotFoundError('unknown_report', `no report "${params.report.slice(0, 60)}"; the reports are ${known.join(', ')}`, { reports: known });
    },
  });
}
