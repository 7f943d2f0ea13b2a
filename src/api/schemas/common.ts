import { z } from 'zod';

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
