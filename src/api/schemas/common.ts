import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';

/**
 * Response (wire) schemas: what clients receive, as JSON. Handlers may return Date objects where
 * these say Timestamp (JSON serialisation makes them ISO strings). Request schemas stay beside
 * the domain code that owns them (members/schema.ts, ledger/event-input.ts, …).
 */
export const Timestamp = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
export const LocalDate = z.iso.date().describe('a calendar date, YYYY-MM-DD');

/** Integer points (positive or negative). */
export const Points = z.int();

export const Balance = z.object({ available: z.int(), pending: z.int() }).meta({ id: 'Balance' });

/** `?dryRun=true|false` */
export const DryRunQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional().describe('true: decide everything, write nothing') });

/** The Idempotency-Key header of writes that take one (the body's idempotencyKey wins). */
export const IdempotencyKeyHeader = z.looseObject({
  'idempotency-key': z.string().min(1, 'expected 1-200 characters').max(200, 'expected 1-200 characters').optional().describe('Makes the write idempotent: the same key is the same write'),
});

/** The key of an idempotent write: from the body, else the header. */
export function idempotencyKeyOf(body: { idempotencyKey?: string | undefined }, headers: { 'idempotency-key'?: string | undefined }): string | undefined {
  return body.idempotencyKey ?? headers['idempotency-key'];
}

/** The instant of a keyset cursor, as Date.toISOString() writes it (month, day and time in range). */
const CURSOR_INSTANT = String.raw`[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z`;

/**
 * `?before=` of a keyset-paged list: `<ISO instant>~<id>`, as the previous page's `next` gave it.
 * `id` is a regex source for the id part (it must not admit control characters).
 */
export function keysetCursor(id: string) {
  return z
    .string()
    .max(1000)
    .regex(new RegExp(`^${CURSOR_INSTANT}~${id}$`), 'expected the next cursor of a previous page')
    .describe('the `next` of the previous page');
}

/** A cursor of keysetCursor's shape as instant and id; a day the month lacks (02-30) is a 422. */
export function parseKeysetCursor(before: string): { at: Date; id: string } {
  const split = before.indexOf('~');
  const at = new Date(before.slice(0, split));
  if (Number.isNaN(at.getTime()) || at.toISOString() !== before.slice(0, split)) {
    throw new ValidationError('invalid_request', 'query.before: expected the next cursor of a previous page (no such instant)', undefined, 422);
  }
  return { at, id: before.slice(split + 1) };
}
