/**
 * PostgreSQL array literals for the ledger write's parameters, built in one pass. node-postgres
 * encodes an array parameter element by element (prepareValue → toString → two regex replaces →
 * quotes; a Date through its local-time getters), which was a measured share of the event path's
 * CPU: the write sends ~85 arrays per call. Here numbers and booleans go unquoted, strings are
 * quoted and escaped exactly as node-postgres does (backslash and double quote) but the regexes run
 * only when the text holds one, and instants go as UTC ISO text (`…Z`, which PostgreSQL reads as
 * the same timestamptz).
 */

const NEEDS_ESCAPE = /[\\"]/;

/** A quoted array element: backslashes and double quotes escaped (node-postgres' escapeElement). */
function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${text}"`;
}

/** The span `toISOString` writes with a four-digit year PostgreSQL reads (0001-01-01 … 9999-12-31). */
const YEAR_1 = new Date(0);
YEAR_1.setUTCFullYear(1, 0, 1); // Date.UTC would read year 1 as 1901
const FIRST_PLAIN = YEAR_1.getTime();
const AFTER_LAST_PLAIN = Date.UTC(10000, 0, 1);

/**
 * An instant as PostgreSQL timestamptz input: ISO 8601 in UTC for years 1–9999; PostgreSQL's own
 * `YYYY-MM-DD hh:mm:ss.mmm+00 BC` notation outside them (year 0 of ISO is 1 BC).
 */
export function timestampText(date: Date): string {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError('an invalid Date cannot be written to PostgreSQL');
  if (t >= FIRST_PLAIN && t < AFTER_LAST_PLAIN) return date.toISOString();
  if (t >= AFTER_LAST_PLAIN) {
    const iso = date.toISOString(); // +YYYYYY-MM-DDThh:mm:ss.mmmZ
    return iso.replace(/^\+0*/, '');
  }
  const year = date.getUTCFullYear();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${String(1 - year).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}+00 BC`
  );
}

/** A text[] literal (null elements are NULL). */
export function textArray(values: readonly (string | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v == null ? 'NULL' : quoted(v);
  }
  return out + '}';
}

/** A bigint[] / int[] / boolean[] literal: finite numbers and booleans as they print, null as NULL. */
export function scalarArray(values: readonly (number | boolean | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v == null) out += 'NULL';
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else if (Number.isFinite(v)) out += String(v);
    else throw new RangeError(`${v} cannot be written as a PostgreSQL number`);
  }
  return out + '}';
}

/** A timestamptz[] literal. */
export function timestampArray(values: readonly (Date | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v == null ? 'NULL' : `"${timestampText(v)}"`;
  }
  return out + '}';
}

/**
 * A bigint[] literal of instants as epoch milliseconds (null as NULL), for a column PostgreSQL turns
 * back into timestamptz with `instantFromEpochMs`. Cheaper at both ends than ISO text: the ledger
 * write sends ~10 instants per event, and timestamptz's text input was ~2 µs of PostgreSQL CPU each
 * (a bigint plus two interval products ~0.5 µs), `toISOString` ~2 µs of Node's.
 */
export function epochMsArray(values: readonly (Date | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v == null) {
      out += 'NULL';
      continue;
    }
    const t = v.getTime();
    if (Number.isNaN(t)) throw new RangeError('an invalid Date cannot be written to PostgreSQL');
    out += String(t);
  }
  return out + '}';
}

/**
 * SQL: the timestamptz of `expr` epoch milliseconds (bigint), exactly. Whole seconds and the rest
 * apart: PostgreSQL multiplies an interval in double precision, and `ms * interval '1 ms'` in one
 * product loses microseconds past about year 4200 (µs beyond 2^53); seconds × 10^6 stay exact for
 * any year JavaScript and PostgreSQL share up to ±20,000. Integer `/` and `%` truncate alike, so
 * `ms = (ms / 1000) * 1000 + ms % 1000` before 1970 too.
 */
export function instantFromEpochMs(expr: string): string {
  return `('epoch'::timestamptz + (${expr} / 1000) * interval '1 second' + (${expr} % 1000) * interval '1 millisecond')`;
}
