import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { LaurelError } from '../../errors/index.js';
import { importEvents, importMembers, type ImportFormat, type ImportReport } from '../../imports/index.js';
import { defineRoute } from '../route.js';
import { refuseForbiddenTextStream } from '../text-input.js';
import type { ApiContext } from '../server.js';

const ImportQuery = z.strictObject({ skipBad: z.enum(['true', 'false']).optional(), format: z.enum(['csv', 'ndjson']).optional() });

const ImportReportSchema = z.object({
  kind: z.enum(['members', 'events']),
  lines: z.int().describe('records read (empty lines are not records)'),
  imported: z.int().describe('written by this run'),
  unchanged: z.int().describe('already there, exactly so: nothing written'),
  bad: z.array(z.object({ line: z.int(), code: z.string(), message: z.string() })).describe('the first 1,000 bad lines, in file order'),
  badCount: z.int(),
  stopped: z.boolean(),
  stoppedAtLine: z.int().optional(),
});

const FORMAT_OF_TYPE: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/ndjson': 'ndjson',
};

/** The most bytes one upload may carry (1M events are ~150 MB of NDJSON). */
const MAX_UPLOAD = 2 * 1024 * 1024 * 1024;

/**
 * `POST /v1/imports/members` and `POST /v1/imports/events`: the file as the request body (CSV or
 * NDJSON), streamed to a temporary file as it arrives (never held in memory), then imported as
 * `laurel import` does. 200 with the report (lines, imported, unchanged, bad lines with their
 * numbers); 422 `import_has_bad_lines` with the same report when bad lines stopped it (without
 * `?skipBad=true` nothing is written then); 422 `import_header_incomplete` when a CSV's header line
 * lacks a column every line needs (the header line forgotten, most often).
 */
export function registerImportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // The body stays a stream on these routes only (an encapsulated plugin): CSV and NDJSON are
  // accepted here, and other routes keep their own parsers.
  void app.register(async (scope) => {
    for (const type of Object.keys(FORMAT_OF_TYPE)) {
      if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
      scope.addContentTypeParser(type, { bodyLimit: MAX_UPLOAD }, (_request, payload, done) => done(null, payload));
    }
    for (const kind of ['members', 'events'] as const) {
      defineRoute(scope, {
        method: 'POST',
        url: `/v1/imports/${kind}`,
        tags: ['imports'],
        summary:
          kind === 'members'
            ? 'Import members from CSV or NDJSON (create, or update the given fields; no welcome message; idempotent)'
            : 'Import historic events from CSV or NDJSON (decided like live events, announced to no one; idempotent)',
        auth: { roles: kind === 'members' ? ['admin'] : ['admin', 'ingest'] },
        query: ImportQuery,
        body: z.string().describe(kind === 'members' ? 'one member a line' : 'one event a line'),
        bodyTypes: ['text/csv', 'application/x-ndjson'],
        streamBody: true,
        bodyLimit: MAX_UPLOAD,
        responses: { 200: ImportReportSchema },
        problems: { 422: ['import_has_bad_lines', 'import_header_incomplete'] },
        handler: async ({ query, principal, request }) => {
          const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          const format = query.format ?? FORMAT_OF_TYPE[type];
          if (!format || typeof (request.body as Readable | undefined)?.pipe !== 'function') {
            throw new LaurelError('unsupported_media_type', 'send the file as the body with Content-Type text/csv or application/x-ndjson', { status: 415 });
          }
          const dir = await mkdtemp(join(tmpdir(), 'laurel-import-'));
          try {
            const file = join(dir, `upload.${format}`);
            // Raw control characters are refused as everywhere else (400 naming the line), before anything is imported.
            await pipeline(request.body as Readable, refuseForbiddenTextStream(), createWriteStream(file));
            const open = () => createReadStream(file);
            const skipBad = query.skipBad === 'true';
            const report: ImportReport =
              kind === 'members'
                ? await importMembers(ctx.pool, open, { format, skipBad, actor: actorOf(principal) })
                : await importEvents(ctx.pool, open, { format, skipBad });
            if (report.stopped) {
              throw new LaurelError(
                'import_has_bad_lines',
                `${report.badCount} bad line(s), the first on line ${report.bad[0]?.line}; ${report.imported > 0 ? `stopped at line ${report.stoppedAtLine} (the lines before it were imported)` : 'nothing was imported'}; fix them, or send ?skipBad=true to import the others`,
                { status: 422, details: { ...report } },
              );
            }
            return report;
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      });
    }
  });
}
