import { createHash } from 'node:crypto';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { ConflictError } from '../errors/index.js';

/*
 * Every idempotent write behaves like events: the same key with the same request returns the
 * original result (`replayed: true`) and writes nothing; the same key with a different request is
 * 409 `idempotency_key_reused` and writes nothing.
 */

/** A stable digest of what a request asked for (key order does not matter). */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function idempotencyKeyReused(key: string, what: string, details: Record<string, unknown> = {}): ConflictError {
  return new ConflictError('idempotency_key_reused', `idempotency key "${key}" was already used for a different ${what}`, { idempotencyKey: key, ...details });
}

/**
 * Runs `work` once per (scope, key) in one transaction with the stored response. `lock` runs first
 * (e.g. the member row lock) so concurrent calls with one key serialize and the second sees the
 * first's response. A stored response without a fingerprint (written before fingerprints existed)
 * is taken as the same request.
 */
export async function runOnce<T extends { replayed: boolean }>(
  pool: Pool,
  input: { scope: string; key: string; request: unknown; what: string; lock?: (client: PoolClient) => Promise<unknown> },
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const fingerprint = requestFingerprint(input.request);
  const stored = `${input.scope}:${input.key}`;
  return await withTransaction(pool, async (client) => {
    if (input.lock) await input.lock(client);
    const { rows } = await client.query<{ response: T; fingerprint: string | null }>(
      `SELECT response, fingerprint FROM idempotent_requests WHERE key = $1 AND scope = $2`,
      [stored, input.scope],
    );
    const previous = rows[0];
    if (previous) {
      if (previous.fingerprint !== null && previous.fingerprint !== fingerprint) throw idempotencyKeyReused(input.key, input.what);
      return { ...previous.response, replayed: true };
    }
    const result = await work(client);
    await client.query(`INSERT INTO idempotent_requests (key, scope, response, status, fingerprint) VALUES ($1, $2, $3, 201, $4)`, [
      stored,
      input.scope,
      JSON.stringify(result),
      fingerprint,
    ]);
    return result;
  });
}
