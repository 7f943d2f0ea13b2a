import { createHash, randomBytes } from 'node:crypto';
import { withTransaction, type Pool } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';

export const API_KEY_ROLES = ['admin', 'marketer', 'ingest', 'partner'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  role: ApiKeyRole;
  name: string;
  partnerId: string | null;
  dailyPointCap: number | null;
  /** The key stops working at this instant (a rotated key: when its overlap ends). */
  expiresAt: Date | null;
  /** Requests a minute this key may send; null = the API_RATE_LIMIT_KEY default. */
  rateLimitPerMinute: number | null;
}

/** Keys are stored only as SHA-256: a leaked table cannot be replayed against the API. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** Shown once; never stored. */
  key: string;
}

export interface ApiKeyInput {
  role: string;
  name: string;
  partnerId?: string | undefined;
  dailyPointCap?: number | undefined;
  expiresAt?: Date | undefined;
  rateLimitPerMinute?: number | undefined;
}

type Db = Pick<Pool, 'query'>;

async function insertApiKey(db: Db, input: ApiKeyInput): Promise<CreatedApiKey> {
  if (!(API_KEY_ROLES as readonly string[]).includes(input.role)) {
    throw new ValidationError('invalid_role', `role must be one of ${API_KEY_ROLES.join(', ')}`);
  }
  const role = input.role as ApiKeyRole;
  if (role === 'partner' && !input.partnerId) throw new ValidationError('partner_id_required', 'a partner key needs --partner <id>');
  if (role !== 'partner' && (input.partnerId || input.dailyPointCap !== undefined)) {
    throw new ValidationError('partner_options_only_for_partner', 'partner id and caps apply only to partner keys');
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new ValidationError('invalid_expiry', 'the key would expire before it is created');
  const id = `key_${randomBytes(6).toString('hex')}`;
  const key = `lk_${randomBytes(24).toString('base64url')}`;
  await db.query(
    `INSERT INTO api_keys (id, key_hash, role, name, partner_id, daily_point_cap, expires_at, rate_limit_per_minute) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, hashApiKey(key), role, input.name, input.partnerId ?? null, input.dailyPointCap ?? null, input.expiresAt ?? null, input.rateLimitPerMinute ?? null],
  );
  return {
    id,
    key,
    role,
    name: input.name,
    partnerId: input.partnerId ?? null,
    dailyPointCap: input.dailyPointCap ?? null,
    expiresAt: input.expiresAt ?? null,
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
  };
}

export async function createApiKey(pool: Pool, input: ApiKeyInput): Promise<CreatedApiKey> {
  return await insertApiKey(pool, input);
}

interface KeyRow {
  id: string;
  role: ApiKeyRole;
  name: string;
  partner_id: string | null;
  daily_point_cap: string | number | null;
  expires_at: Date | null;
  rate_limit_per_minute: number | null;
}

function recordOf(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    role: row.role,
    name: row.name,
    partnerId: row.partner_id,
    dailyPointCap: row.daily_point_cap === null ? null : Number(row.daily_point_cap),
    expiresAt: row.expires_at,
    rateLimitPerMinute: row.rate_limit_per_minute,
  };
}

/** How long a process trusts what it read about a key: the bound on a revocation reaching every process. */
export const DEFAULT_KEY_CACHE_MS = 10_000;
/** last_used_at is written at most this often per key and process. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * Every request authenticates: each process keeps what it read about a key for `ttlMs`, sparing a
 * query per request. So a revocation reaches every process within `ttlMs` (at once in the process
 * that revoked); an expiry is exact (checked on every request against the cached instant).
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    readonly ttlMs = DEFAULT_KEY_CACHE_MS,
  ) {}

  /** The live key (not revoked, not expired), or undefined. Records its use (at most once a minute). */
  async find(key: string, now = Date.now()): Promise<ApiKeyRecord | undefined> {
    const hash = hashApiKey(key);
    let cached = this.entries.get(hash);
    if (!cached || cached.until <= now) {
      const { rows } = await this.pool.query<KeyRow>(
        `SELECT id, role, name, partner_id, daily_point_cap, expires_at, rate_limit_per_minute FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
        [hash],
      );
      if (this.entries.size > 10_000) this.entries.clear();
      cached = { record: rows[0] ? recordOf(rows[0]) : undefined, until: now + this.ttlMs };
      this.entries.set(hash, cached);
    }
    const record = cached.record;
    if (!record || (record.expiresAt && record.expiresAt.getTime() <= now)) return undefined;
    this.noteUse(record.id, now);
    return record;
  }

  clear(): void {
    this.entries.clear();
  }

  private noteUse(id: string, now: number): void {
    if ((this.lastUsedWritten.get(id) ?? 0) > now - LAST_USED_EVERY_MS) return;
    if (this.lastUsedWritten.size > 10_000) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(id, now);
    // Not awaited: a request does not wait for (or fail on) this bookkeeping.
    this.pool.query(`UPDATE api_keys SET last_used_at = greatest(last_used_at, $2) WHERE id = $1`, [id, new Date(now)]).catch(() => this.lastUsedWritten.delete(id));
  }
}

/** One-off lookups outside the API (the dev seed, the CLI): no cache. */
export async function findApiKey(pool: Pool, key: string): Promise<ApiKeyRecord | undefined> {
  return await new ApiKeyCache(pool, 0).find(key);
}

export async function revokeApiKey(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Rotation: a new key with the old one's role, name, partner, caps and rate limit; the old key keeps
 * working for `overlapMs` (both are active during the rollover), then expires. Rotating a key that
 * was already replaced is refused (rotate its replacement).
 */
export async function rotateApiKey(pool: Pool, id: string, overlapMs: number): Promise<{ created: CreatedApiKey; oldExpiresAt: Date }> {
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<KeyRow & { revoked_at: Date | null; replaced_by: string | null }>(`SELECT * FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
    const old = rows[0];
    if (!old) throw new NotFoundError('unknown_api_key', `no API key ${id}`);
    if (old.revoked_at) throw new ConflictError('api_key_revoked', `API key ${id} is revoked`);
    if (old.replaced_by) throw new ConflictError('api_key_replaced', `API key ${id} was already replaced by ${old.replaced_by}; rotate that one`);
    const record = recordOf(old);
    if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) throw new ConflictError('api_key_expired', `API key ${id} has expired`);
    const created = await insertApiKey(client, {
      role: record.role,
      name: record.name,
      partnerId: record.partnerId ?? undefined,
      dailyPointCap: record.dailyPointCap ?? undefined,
      rateLimitPerMinute: record.rateLimitPerMinute ?? undefined,
    });
    const requested = new Date(Date.now() + overlapMs);
    const oldExpiresAt = record.expiresAt && record.expiresAt < requested ? record.expiresAt : requested;
    await client.query(`UPDATE api_keys SET expires_at = $2, replaced_by = $3 WHERE id = $1`, [id, oldExpiresAt, created.id]);
    return { created, oldExpiresAt };
  });
}

export interface ApiKeyListing {
  id: string;
  role: ApiKeyRole;
  name: string;
  partnerId: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  replacedBy: string | null;
  rateLimitPerMinute: number | null;
  status: 'active' | 'expired' | 'revoked';
}

export async function listApiKeys(pool: Pool): Promise<ApiKeyListing[]> {
  const { rows } = await pool.query<{
    id: string;
    role: ApiKeyRole;
    name: string;
    partner_id: string | null;
    created_at: Date;
    expires_at: Date | null;
    last_used_at: Date | null;
    revoked_at: Date | null;
    replaced_by: string | null;
    rate_limit_per_minute: number | null;
  }>(`SELECT id, role, name, partner_id, created_at, expires_at, last_used_at, revoked_at, replaced_by, rate_limit_per_minute FROM api_keys ORDER BY created_at, id`);
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    name: r.name,
    partnerId: r.partner_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    replacedBy: r.replaced_by,
    rateLimitPerMinute: r.rate_limit_per_minute,
    status: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at.getTime() <= now ? 'expired' : 'active',
  }));
}
