import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { findForbiddenText, forbiddenTextMessage } from '../api/text-input.js';
import { LaurelError } from '../errors/index.js';

export type ImportFormat = 'csv' | 'ndjson';

/** One line of an import file: its fields, or why it could not be read. Line numbers start at 1. */
export type SourceRecord = { line: number; fields: Record<string, unknown> } | { line: number; error: string };

/** The format a file's name says (`.csv`, `.ndjson`, `.jsonl`, each optionally `.gz`). */
export function formatOfFileName(name: string): ImportFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.ndjson') || base.endsWith('.jsonl')) return 'ndjson';
  return undefined;
}

/**
 * The records of a CSV (header row first) or NDJSON stream, one at a time, with their line
 * numbers: nothing is held beyond the line being read, so memory stays flat however long the file.
 * CSV cells become strings (an empty cell is absent); `a.b` headers become nested objects
 * (`properties.sku` → `{ properties: { sku } }`). A line that cannot be read becomes an error
 * record, and reading goes on. A CSV whose header line lacks one of `requiredColumns` is refused
 * before any record (`import_header_incomplete`): every line would be bad, and a file whose header
 * line was forgotten would otherwise read its first record as the header and import nothing.
 */
export async function* readRecords(input: Readable, format: ImportFormat, requiredColumns: readonly string[] = []): AsyncGenerator<SourceRecord> {
  if (format === 'ndjson') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { line, error: `not JSON: ${(err as Error).message}` };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) yield { line, error: 'expected a JSON object' };
      else yield checkedText(line, value as Record<string, unknown>);
    }
    return;
  }
  const skipped: SourceRecord[] = [];
  let headerProblem: LaurelError | undefined;
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => {
        const columns = header.map((h) => h.trim());
        const missing = requiredColumns.filter((c) => !columns.includes(c));
        if (missing.length > 0) {
          headerProblem = new LaurelError(
            'import_header_incomplete',
            `the header line has no ${missing.join(' or ')} column: a CSV's first line names its columns, e.g. ${requiredColumns.join(',')}`,
            { status: 422, details: { missing, header: columns.slice(0, 50) } },
          );
        }
        return columns;
      },
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err) skipped.push({ line: (err as { lines?: number }).lines ?? 0, error: err.message.replace(/ on line \d+$/, '') });
      },
    }),
  );
  for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (headerProblem) throw headerProblem;
    while (skipped.length > 0) yield skipped.shift()!;
    yield checkedText(row.info.lines, nest(row.record));
  }
  if (headerProblem) throw headerProblem;
  while (skipped.length > 0) yield skipped.shift()!;
}

/** A record whose text holds a control character is a bad line, as the API refuses such input (escaped `\u0000` in NDJSON too). */
function checkedText(line: number, fields: Record<string, unknown>): SourceRecord {
  const found = findForbiddenText(fields);
  return found ? { line, error: `${found.path.join('.')}: ${forbiddenTextMessage(found)}` } : { line, fields };
}

function nest(record: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [header, value] of Object.entries(record)) {
    if (value === '') continue;
    const path = header.split('.');
    let target = out;
    for (const part of path.slice(0, -1)) {
      const next = target[part];
      target = (next && typeof next === 'object' ? next : (target[part] = {})) as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = value;
  }
  return out;
}
