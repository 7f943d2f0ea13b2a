import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/*
 * A pool of codes imported from a partner (coupon codes for a reward or for a personal-coupon
 * offer), as JSON `{"codes": [...]}` or as CSV: one code per line, or a `code` column under a
 * header line. A malformed pool is refused whole (`invalid_code_pool` naming the line or index:
 * 400 for JSON, 422 for CSV), so nothing of it is written.
 */

export const MAX_CODES_PER_IMPORT = 100_000;
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const CODE_RULE = '3-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

// The code rule and uniqueness are checked by checked() (its messages name the line or index); the
// meta states them in the OpenAPI document, so the document and the check agree.
export const CodePoolJsonSchema = z.strictObject({
  codes: z
    .array(z.string().meta({ pattern: CODE_PATTERN.source }))
    .min(1, 'expected at least one code')
    .max(MAX_CODES_PER_IMPORT, `expected at most ${MAX_CODES_PER_IMPORT} codes per import`)
    .meta({ uniqueItems: true }),
});

function refuse(message: string, details: Record<string, unknown> = {}, status: 400 | 422 = 400): ValidationError {
  return new ValidationError('invalid_code_pool', message, details, status);
}

/**
 * The code rule and uniqueness. `status`: 400 for the JSON document (its schema states both), 422
 * for CSV (the document can say only "text"; what its lines hold is checked beyond it).
 */
function checked(codes: readonly { code: string; where: string }[], status: 400 | 422): string[] {
  if (codes.length === 0) throw refuse('the pool holds no codes', {}, status);
  if (codes.length > MAX_CODES_PER_IMPORT) throw refuse(`at most ${MAX_CODES_PER_IMPORT} codes per import; this one has ${codes.length}`, {}, status);
  const seen = new Map<string, string>();
  for (const { code, where } of codes) {
    if (!CODE_PATTERN.test(code)) throw refuse(`${where}: "${code.slice(0, 80)}" is not a code (${CODE_RULE})`, { at: where }, status);
    const first = seen.get(code);
    if (first) throw refuse(`${where}: code "${code}" repeats ${first}`, { at: where, duplicate: code }, status);
    seen.set(code, where);
  }
  return codes.map((c) => c.code);
}

function unquote(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/** The codes of a CSV file: the `code` column when the first line is a header naming it, else the first column. */
export function parseCodeCsv(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]!.split(',').map((c) => unquote(c).toLowerCase());
  const column = header.includes('code') ? header.indexOf('code') : 0;
  const start = header.includes('code') ? 1 : 0;
  const codes: { code: string; where: string }[] = [];
  for (let i = start; i < lines.length; i += 1) {
    if (lines[i]!.trim() === '') continue;
    const cells = lines[i]!.split(',');
    if (cells.length <= column) throw refuse(`line ${i + 1}: no code column`, { at: `line ${i + 1}` }, 422);
    codes.push({ code: unquote(cells[column]!), where: `line ${i + 1}` });
  }
  return checked(codes, 422);
}

/** The codes of a request body: a CSV string (text/csv) or the JSON document. */
export function parseCodePool(body: unknown): string[] {
  if (typeof body === 'string') return parseCodeCsv(body);
  const parsed = CodePoolJsonSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw refuse(`body.${issue.path.join('.')}: ${issue.message}`.replace(/\.:/, ':'), { issues: parsed.error.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })) });
  }
  return checked(
    parsed.data.codes.map((code, i) => ({ code, where: `codes[${i}]` })),
    400,
  );
}
