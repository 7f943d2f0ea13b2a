/**
 * CSV (RFC 4180) from report rows: nested objects become dotted columns (`issued.base`), lists of
 * numbers are joined with spaces, and a rate becomes its numerator, denominator and value columns.
 * Text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with a quote.
 */
import { z } from 'zod';

export type CsvValue = string | number | boolean | null;

/**
 * The columns a row of `schema` flattens to (as `flattenRow` names them), in the schema's order:
 * the header line of a table that has no rows. Lists of objects are tables of their own and get
 * no column; columns only known from the data (one per tier) are not listed.
 */
export function csvColumns(schema: z.ZodObject, prefix = ''): string[] {
  const columns: string[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const name = prefix ? `${prefix}.${key}` : key;
    let inner = field as z.ZodType;
    while (inner instanceof z.ZodNullable || inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    if (inner instanceof z.ZodObject) columns.push(...csvColumns(inner, name));
    else if (inner instanceof z.ZodArray && inner.element instanceof z.ZodObject) continue;
    else columns.push(name);
  }
  return columns;
}

export function flattenRow(value: Record<string, unknown>, prefix = '', out: Record<string, CsvValue> = {}): Record<string, CsvValue> {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (v === null || v === undefined) out[name] = null;
    else if (Array.isArray(v)) {
      // Lists of rows are tables of their own; lists of values fit in one cell.
      if (v.every((x) => x === null || typeof x !== 'object')) out[name] = v.join(' ');
    } else if (typeof v === 'object') flattenRow(v as Record<string, unknown>, name, out);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
  }
  return out;
}

function cell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Columns in the order they first appear (after `header`, the columns to list even without rows);
 * every line ends with CRLF, as RFC 4180 writes it.
 */
export function toCsv(rows: readonly Record<string, unknown>[], header: readonly string[] = []): string {
  const flat = rows.map((r) => flattenRow(r));
  const columns: string[] = [...header];
  const seen = new Set(columns);
  for (const row of flat) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const lines = [columns.map((c) => cell(c)).join(',')];
  for (const row of flat) lines.push(columns.map((c) => cell(row[c] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
