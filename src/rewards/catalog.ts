import { z } from 'zod';
import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import { IdSchema, type ProgramDefinition } from '../program/index.js';

/*
 * The rewards catalog: managed through the API (PUT/GET/archive) without publishing a program
 * version. A program file's `rewards` seed it: when a version is published, each reward id the
 * catalog does not hold yet is added; after that the API owns it.
 */

export const REWARD_KINDS = ['generic', 'coupon_code', 'material'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

/** Material rewards left unfulfilled this long are cancelled (points back) unless the reward says otherwise. */
export const DEFAULT_FULFILMENT_DAYS = 30;

export const RewardIdSchema = IdSchema;

export const RewardInputSchema = z
  .strictObject({
    name: z.string().min(1, 'expected a non-empty name').max(200),
    description: z.string().max(2000).optional(),
    kind: z.enum(REWARD_KINDS).default('generic'),
    costPoints: z.int('expected an integer number of points').min(1, 'expected at least 1 point').max(1_000_000_000),
    /** Units ever available; absent or null = unlimited. Not for coupon_code rewards: their codes are their stock. */
    stock: z.int().min(0).max(1_000_000_000_000).nullable().optional(),
    /** Tiers that may redeem; absent = every tier. */
    tiers: z.array(IdSchema).min(1, 'expected at least one tier').max(50).optional(),
    perMemberLimit: z.int().min(1).max(1_000_000).optional(),
    /** Material rewards only: days to fulfil before the redemption is cancelled (default 30). */
    fulfilmentDays: z.int().min(1).max(3650).optional(),
    /** What one unit costs the brand, in minor units (for cost reports). */
    valueAmount: z.int().min(0).max(1_000_000_000_000_000).optional(),
    imageUrl: z.url().max(2000).optional(),
  })
  .superRefine((r, ctx) => {
    // Both rules are stated in the OpenAPI document too (the meta below): a 400, not a 422.
    const shape = { shape: true };
    if (r.kind === 'coupon_code' && r.stock !== undefined) ctx.addIssue({ code: 'custom', path: ['stock'], message: 'a coupon_code reward has as many units as codes imported (POST /v1/rewards/:id/codes)', params: shape });
    if (r.kind !== 'material' && r.fulfilmentDays !== undefined) ctx.addIssue({ code: 'custom', path: ['fulfilmentDays'], message: 'only material rewards are fulfilled', params: shape });
  })
  .meta({
    allOf: [
      { if: { properties: { kind: { const: 'coupon_code' } }, required: ['kind'] }, then: { not: { required: ['stock'] } } },
      { if: { not: { properties: { kind: { const: 'material' } }, required: ['kind'] } }, then: { not: { required: ['fulfilmentDays'] } } },
    ],
  });
export type RewardInput = z.output<typeof RewardInputSchema>;

export interface Reward {
  id: string;
  name: string;
  description: string | null;
  kind: RewardKind;
  costPoints: number;
  stock: number | null;
  redeemed: number;
  /** Units left (null = unlimited). */
  available: number | null;
  tiers: string[] | null;
  perMemberLimit: number | null;
  fulfilmentDays: number | null;
  valueAmount: number | null;
  imageUrl: string | null;
  status: 'active' | 'archived';
  source: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

interface RewardRow {
  id: string;
  name: string;
  description: string | null;
  kind: RewardKind;
  cost_points: number;
  stock: number | null;
  redeemed: number;
  tiers: string[] | null;
  per_member_limit: number | null;
  fulfilment_days: number | null;
  value_amount: number | null;
  image_url: string | null;
  status: 'active' | 'archived';
  source: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export function rewardFromRow(r: RewardRow): Reward {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    costPoints: r.cost_points,
    stock: r.stock,
    redeemed: r.redeemed,
    available: r.stock === null ? null : r.stock - r.redeemed,
    tiers: r.tiers,
    perMemberLimit: r.per_member_limit,
    fulfilmentDays: r.fulfilment_days,
    valueAmount: r.value_amount,
    imageUrl: r.image_url,
    status: r.status,
    source: r.source,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    archivedAt: r.archived_at,
  };
}

export async function findReward(db: Pool | PoolClient, id: string): Promise<Reward | undefined> {
  const { rows } = await db.query<RewardRow>(`SELECT * FROM rewards WHERE id = $1`, [id]);
  return rows[0] ? rewardFromRow(rows[0]) : undefined;
}

export async function getReward(db: Pool | PoolClient, id: string): Promise<Reward> {
  const reward = await findReward(db, id);
  if (!reward) throw new NotFoundError('unknown_reward', `reward ${id} is not in the catalog`, { rewardId: id });
  return reward;
}

export async function listRewards(db: Pool | PoolClient, filter: { status?: 'active' | 'archived' | 'all'; kind?: RewardKind | undefined } = {}): Promise<Reward[]> {
  const status = filter.status ?? 'active';
  const { rows } = await db.query<RewardRow>(
    `SELECT * FROM rewards WHERE ($1::text = 'all' OR status = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY cost_points, id LIMIT 1000`,
    [status, filter.kind ?? null],
  );
  return rows.map(rewardFromRow);
}

function assertKnownTiers(program: ProgramDefinition, tiers: readonly string[] | undefined): void {
  const known = new Set(program.tiers.map((t) => t.id));
  tiers?.forEach((tier, i) => {
    if (!known.has(tier)) throw new ValidationError('unknown_tier', `tiers[${i}]: the program has no tier "${tier}" (${[...known].join(', ')})`, { tier }, 422);
  });
}

/** Creates a reward or replaces its definition. Audit logged. */
export async function putReward(pool: Pool, input: { id: string; reward: RewardInput; program: ProgramDefinition; actor: string }): Promise<{ reward: Reward; created: boolean }> {
  const r = input.reward;
  assertKnownTiers(input.program, r.tiers);
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<RewardRow>(`SELECT * FROM rewards WHERE id = $1 FOR UPDATE`, [input.id]);
    const before = rows[0] ? rewardFromRow(rows[0]) : undefined;
    if (before?.status === 'archived') throw new ConflictError('reward_archived', `reward ${input.id} is archived; create a new reward id`, { rewardId: input.id });
    if (before && before.kind !== r.kind && before.redeemed > 0) {
      throw new ConflictError('reward_kind_locked', `reward ${input.id} has redemptions as a ${before.kind} reward; its kind cannot change`, { rewardId: input.id });
    }
    // A coupon_code reward's stock is its codes; other kinds take the given stock, never below what is taken.
    const stock = r.kind === 'coupon_code' ? (before?.kind === 'coupon_code' ? before.stock : 0) : (r.stock ?? null);
    if (stock !== null && before && stock < before.redeemed) {
      throw new ConflictError('stock_below_redeemed', `reward ${input.id} has ${before.redeemed} units redeemed; stock cannot be ${stock}`, { rewardId: input.id, redeemed: before.redeemed });
    }
    const fulfilmentDays = r.kind === 'material' ? (r.fulfilmentDays ?? DEFAULT_FULFILMENT_DAYS) : null;
    const { rows: written } = await client.query<RewardRow>(
      `INSERT INTO rewards (id, name, description, kind, cost_points, stock, tiers, per_member_limit, fulfilment_days, value_amount, image_url, source, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'api', $12)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, kind = EXCLUDED.kind,
         cost_points = EXCLUDED.cost_points, stock = EXCLUDED.stock, tiers = EXCLUDED.tiers, per_member_limit = EXCLUDED.per_member_limit,
         fulfilment_days = EXCLUDED.fulfilment_days, value_amount = EXCLUDED.value_amount, image_url = EXCLUDED.image_url, updated_at = now()
       RETURNING *`,
      [input.id, r.name, r.description ?? null, r.kind, r.costPoints, stock, r.tiers ?? null, r.perMemberLimit ?? null, fulfilmentDays, r.valueAmount ?? null, r.imageUrl ?? null, input.actor],
    );
    const reward = rewardFromRow(written[0]!);
    await appendAudit(client, { actor: input.actor, action: before ? 'reward.update' : 'reward.create', subject: `reward:${input.id}`, before: before ?? null, after: reward });
    return { reward, created: !before };
  });
}

/** Archived rewards leave the catalog: no new redemptions; existing ones keep their status. Audit logged. */
export async function archiveReward(pool: Pool, input: { id: string; actor: string }): Promise<Reward> {
  return await withTransaction(pool, async (client) => {
    const before = await getReward(client, input.id);
    if (before.status === 'archived') return before;
    const { rows } = await client.query<RewardRow>(`UPDATE rewards SET status = 'archived', archived_at = now(), updated_at = now() WHERE id = $1 RETURNING *`, [input.id]);
    const reward = rewardFromRow(rows[0]!);
    await appendAudit(client, { actor: input.actor, action: 'reward.archive', subject: `reward:${input.id}`, before: { status: before.status }, after: { status: 'archived' } });
    return reward;
  });
}

/**
 * Adds codes to a coupon_code reward's pool; each new code is one more unit of stock. Codes the
 * pool already holds are skipped (re-importing a file is harmless). Audit logged.
 */
export async function importRewardCodes(pool: Pool, input: { id: string; codes: readonly string[]; actor: string }): Promise<{ added: number; skipped: number; reward: Reward }> {
  return await withTransaction(pool, async (client) => {
    const reward = await getReward(client, input.id);
    if (reward.kind !== 'coupon_code') throw new ConflictError('reward_has_no_codes', `reward ${input.id} is a ${reward.kind} reward; only coupon_code rewards take codes`, { rewardId: input.id });
    if (reward.status === 'archived') throw new ConflictError('reward_archived', `reward ${input.id} is archived`, { rewardId: input.id });
    const { rows } = await client.query<{ added: number }>(
      `WITH added AS (
         INSERT INTO reward_codes (reward_id, code) SELECT $1, c FROM unnest($2::text[]) WITH ORDINALITY AS u(c, i) ORDER BY i
         ON CONFLICT (reward_id, code) DO NOTHING RETURNING 1
       )
       SELECT count(*)::int AS added FROM added`,
      [input.id, input.codes],
    );
    const added = rows[0]!.added;
    const { rows: updated } = await client.query<RewardRow>(`UPDATE rewards SET stock = coalesce(stock, 0) + $2, updated_at = now() WHERE id = $1 RETURNING *`, [input.id, added]);
    await appendAudit(client, { actor: input.actor, action: 'reward.codes.import', subject: `reward:${input.id}`, after: { added, skipped: input.codes.length - added } });
    return { added, skipped: input.codes.length - added, reward: rewardFromRow(updated[0]!) };
  });
}

/** In the publishing transaction: rewards of the program file the catalog does not hold yet. */
export async function seedRewardsFromProgram(client: PoolClient, rewards: ProgramDefinition['rewards'], version: number, actor: string): Promise<void> {
  if (rewards.length === 0) return;
  await client.query(
    `INSERT INTO rewards (id, name, description, cost_points, stock, source, created_by)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])
     ON CONFLICT (id) DO NOTHING`,
    [
      rewards.map((r) => r.id),
      rewards.map((r) => r.name),
      rewards.map((r) => r.description ?? null),
      rewards.map((r) => r.costPoints),
      rewards.map((r) => r.stock ?? null),
      rewards.map(() => `program:${version}`),
      rewards.map(() => actor),
    ],
  );
}
