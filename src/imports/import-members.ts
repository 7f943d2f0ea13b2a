import type { Readable } from 'node:stream';
import { z } from 'zod';
import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { MemberIdSchema, MemberInputSchema, type MemberInput } from '../members/index.js';
import { baseTier } from '../program/index.js';
import { currentProgram } from '../program/store.js';
import { nextReviewAt } from '../tiers/index.js';
import { readRecords, type ImportFormat } from './read-records.js';
import { addBad, emptyReport, type BadLine, type ImportProgress, type ImportReport } from './report.js';

export interface MemberImportOptions {
  format: ImportFormat;
  skipBad?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Every bad line as it is found (the report keeps the first 1,000). */
  onBad?: (bad: BadLine) => void;
  chunk?: number;
  /** Recorded in the audit log with the run's counts. */
  actor?: string;
}

const MEMBER_CHUNK = 2000;

const MemberLineSchema = MemberInputSchema.extend({ id: MemberIdSchema });

/** CSV cells are text: `consent.email.marketing` and the like become booleans here. */
const CsvMemberSchema = z.preprocess((raw) => {
  const fields = structuredClone(raw) as Record<string, unknown>;
  const consent = fields.consent as Record<string, Record<string, unknown>> | undefined;
  for (const channel of Object.values(consent ?? {})) {
    for (const [kind, value] of Object.entries(channel ?? {})) if (value === 'true' || value === 'false') channel[kind] = value === 'true';
  }
  return fields;
}, MemberLineSchema);

type MemberLine = MemberInput & { id: string };

/**
 * Members from a file, streamed in chunks of 2,000: one statement per chunk creates the new ones
 * (in the program's first tier, with their `joinedAt`, a zero balance row) and updates the given
 * fields of existing ones only where they differ, so a second run changes nothing. An imported
 * member gets no welcome message (import is for members who already know the program). One audit
 * entry records the run. Without `skipBad`, a file with a bad line imports nothing (read twice:
 * checked first). A member listed twice in a file: the later line wins.
 */
export async function importMembers(pool: Pool, open: () => Readable, options: MemberImportOptions): Promise<ImportReport> {
  const program = await currentProgram(pool);
  const chunkSize = options.chunk ?? MEMBER_CHUNK;
  if (!options.skipBad) {
    const check = await memberPass(open(), options, chunkSize, async () => 0, 'checking');
    if (check.badCount > 0) return { ...check, stopped: true, stoppedAtLine: check.bad[0]!.line };
  }
  const tier = baseTier(program.definition).id;
  const report = await memberPass(open(), options, chunkSize, async (lines) => {
    const unique = [...new Map(lines.map((l) => [l.id, l])).values()];
    const joined = unique.map((l) => (l.joinedAt ? new Date(l.joinedAt) : new Date()));
    const { rows } = await pool.query<{ changed: number }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::timestamptz[], $10::timestamptz[],
                              $11::boolean[], $12::boolean[], $13::boolean[], $14::boolean[])
                AS i(id, email, phone, first_name, locale, time_zone, attributes, consent, joined_at, next_review_at, has_email, has_phone, has_name, has_zone)
       ),
       updated AS (
         UPDATE members m SET
           email      = CASE WHEN i.has_email THEN i.email ELSE m.email END,
           phone      = CASE WHEN i.has_phone THEN i.phone ELSE m.phone END,
           first_name = CASE WHEN i.has_name THEN i.first_name ELSE m.first_name END,
           locale     = coalesce(i.locale, m.locale),
           time_zone  = CASE WHEN i.has_zone THEN i.time_zone ELSE m.time_zone END,
           attributes = coalesce(i.attributes, m.attributes),
           consent    = CASE WHEN i.consent IS NULL THEN m.consent ELSE m.consent || i.consent END,
           updated_at = now()
         FROM input i
         WHERE m.id = i.id
           AND ((i.has_email AND i.email IS DISTINCT FROM m.email)
             OR (i.has_phone AND i.phone IS DISTINCT FROM m.phone)
             OR (i.has_name AND i.first_name IS DISTINCT FROM m.first_name)
             OR (i.locale IS NOT NULL AND i.locale IS DISTINCT FROM m.locale)
             OR (i.has_zone AND i.time_zone IS DISTINCT FROM m.time_zone)
             OR (i.attributes IS NOT NULL AND i.attributes IS DISTINCT FROM m.attributes)
             OR (i.consent IS NOT NULL AND m.consent || i.consent IS DISTINCT FROM m.consent))
         RETURNING m.id
       ),
       inserted AS (
         INSERT INTO members (id, email, phone, first_name, locale, time_zone, attributes, consent, tier_id, joined_at, tier_started_at)
         SELECT id, email, phone, first_name, coalesce(locale, 'en'), time_zone, coalesce(attributes, '{}'), coalesce(consent, '{}'), $15, joined_at, joined_at
           FROM input i WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = i.id)
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       ),
       balances AS (
         -- The balance row carries the first review (migration 0075).
         INSERT INTO member_balances (member_id, next_review_at) SELECT i.id, i.next_review_at FROM inserted JOIN input i ON i.id = inserted.id
         ON CONFLICT (member_id) DO UPDATE SET next_review_at = EXCLUDED.next_review_at
       )
       SELECT ((SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted))::int AS changed`,
      [
        unique.map((l) => l.id),
        unique.map((l) => l.email ?? null),
        unique.map((l) => l.phone ?? null),
        unique.map((l) => l.firstName ?? null),
        unique.map((l) => l.locale ?? null),
        unique.map((l) => l.timeZone ?? null),
        unique.map((l) => (l.attributes === undefined ? null : JSON.stringify(l.attributes))),
        unique.map((l) => (l.consent === undefined ? null : JSON.stringify(l.consent))),
        joined,
        joined.map((at) => nextReviewAt(program.definition, { joinedAt: at, tierStartedAt: at }, at)),
        unique.map((l) => l.email !== undefined),
        unique.map((l) => l.phone !== undefined),
        unique.map((l) => l.firstName !== undefined),
        unique.map((l) => l.timeZone !== undefined),
        tier,
      ],
    );
    return rows[0]!.changed;
  }, 'importing');
  await withTransaction(pool, (client) =>
    appendAudit(client, { actor: options.actor ?? 'import', action: 'member.import', subject: 'members', after: { lines: report.lines, imported: report.imported, unchanged: report.unchanged, bad: report.badCount } }),
  );
  return report;
}

async function memberPass(
  input: Readable,
  options: MemberImportOptions,
  chunkSize: number,
  write: (lines: MemberLine[]) => Promise<number>,
  phase: ImportProgress['phase'],
): Promise<ImportReport> {
  const report = emptyReport('members');
  const bad = (line: BadLine) => addBad(report, line, options.onBad);
  let chunk: MemberLine[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const changed = await write(chunk);
    if (phase === 'importing') {
      report.imported += changed;
      report.unchanged += chunk.length - changed;
    }
    chunk = [];
    options.onProgress?.({ lines: report.lines, imported: report.imported, unchanged: report.unchanged, badCount: report.badCount, phase });
  };
  try {
    for await (const record of readRecords(input, options.format, ['id'])) {
      report.lines += 1;
      if ('error' in record) {
        bad({ line: record.line, code: 'unreadable_line', message: record.error });
        continue;
      }
      const parsed = (options.format === 'csv' ? CsvMemberSchema : MemberLineSchema).safeParse(record.fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        bad({ line: record.line, code: 'invalid_member', message: `${issue.path.join('.') || 'line'}: ${issue.message}` });
        continue;
      }
      chunk.push(parsed.data);
      if (chunk.length >= chunkSize) await flush();
    }
    await flush();
    return report;
  } finally {
    input.destroy();
  }
}
