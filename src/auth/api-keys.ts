import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../db/index.js';
import { ValidationError } from '../errors/index.js';

export const API_KEY_ROLES = ['admin', 'marketer', 'ingest', 'partner'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  role: ApiKeyRole;
  name: string;
  partnerId: string | null;
  dailyPointCap: number | null;
}

/** Keys are stored only as SHA-256: a leaked table cannot be replayed against the API. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** Shown once; never stored. */
  key: string;
}

export async function createApiKey(
  pool: Pool,
  input: { role: string; name: string; partnerId?: string | undefined; dailyPointCap?: number | undefined },
): Promise<CreatedApiKey> {
  if (!(API_KEY_ROLES as readonly string[]).includes(input.role)) {
    throw new ValidationError('invalid_role', `role must be one of ${API_KEY_ROLES.join(', ')}`);
  }
  const role = input.role as ApiKeyRole;
  if (role === 'partner' && !input.partnerId) throw new ValidationError('partner_id_required', 'a partner key needs --partner <id>');
  if (role !== 'partner' && (input.partnerId || input.dailyPointCap !== undefined)) {
    throw new ValidationError('partner_options_only_for_partner', 'partner id and caps apply only to partner keys');
  }
  const id = `key_${randomBytes(6).toString('hex')}`;
  const key = `lk_${randomBytes(24).toString('base64url')}`;
  await pool.query(`INSERT INTO api_keys (id, key_hash, role, name, partner_id, daily_point_cap) VALUES ($1, $2, $3, $4, $5, $6)`, [
    id,
    hashApiKey(key),
    role,
    input.name,
    input.partnerId ?? null,
    input.dailyPointCap ?? null,
  ]);
  return { id, key, role, name: input.name, partnerId: input.partnerId ?? null, dailyPointCap: input.dailyPointCap ?? null };
}

// Every request authenticates: a short cache spares a query each. A revoked key stops working
// within KEY_CACHE_MS (and at once in the process that revoked it).
const KEY_CACHE_MS = 10_000;
const keyCache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

export async function findApiKey(pool: Pool, key: string): Promise<ApiKeyRecord | undefined> {
  const hash = hashApiKey(key);
  const cached = keyCache.get(hash);
  if (cached && cached.until > Date.now()) return cached.record;
  const record = await lookupApiKey(pool, hash);
  if (keyCache.size > 10_000) keyCache.clear();
  keyCache.set(hash, { record, until: Date.now() + KEY_CACHE_MS });
  return record;
}

async function lookupApiKey(pool: Pool, hash: string): Promise<ApiKeyRecord | undefined> {
  const { rows } = await pool.query<{ id: string; role: ApiKeyRole; name: string; partner_id: string | null; daily_point_cap: number | null }>(
    `SELECT id, role, name, partner_id, daily_point_cap FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const row = rows[0];
  return row ? { id: row.id, role: row.role, name: row.name, partnerId: row.partner_id, dailyPointCap: row.daily_point_cap } : undefined;
}

export async function revokeApiKey(pool: Pool, id: string): Promise<boolean> {
  keyCache.clear();
  const { rowCount } = await pool.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  return (rowCount ?? 0) > 0;
}
