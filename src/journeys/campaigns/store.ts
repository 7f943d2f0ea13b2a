import type { Pool, PoolClient } from '../../db/index.js';
import { ConflictError, NotFoundError } from '../../errors/index.js';
import { CampaignDefinitionSchema, type CampaignDefinition, type CampaignStatus } from './definition.js';
import type { Segment } from '../../segments/index.js';

export interface Campaign {
  id: string;
  name: string;
  family: string;
  definition: CampaignDefinition;
  segment: Segment | null;
  status: CampaignStatus;
  startAt: Date | null;
  daySeconds: number;
  launchedAt: Date | null;
  audienceAt: Date | null;
  completedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

interface CampaignRow {
  id: string;
  name: string;
  family: string;
  definition: unknown;
  segment: Segment | null;
  status: CampaignStatus;
  start_at: Date | null;
  day_seconds: number;
  launched_at: Date | null;
  audience_at: Date | null;
  completed_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    name: row.name,
    family: row.family,
    definition: CampaignDefinitionSchema.parse(row.definition),
    segment: row.segment,
    status: row.status,
    startAt: row.start_at,
    daySeconds: row.day_seconds,
    launchedAt: row.launched_at,
    audienceAt: row.audience_at,
    completedAt: row.completed_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Creates a campaign or replaces its definition while it is still a draft. */
export async function saveCampaign(pool: Pool, input: { id: string; definition: CampaignDefinition; actor: string }): Promise<{ campaign: Campaign; created: boolean }> {
  const d = input.definition;
  const { rows } = await pool.query<CampaignRow & { created: boolean }>(
    `INSERT INTO campaigns (id, name, family, definition, start_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, family = EXCLUDED.family, definition = EXCLUDED.definition,
       start_at = EXCLUDED.start_at, updated_at = now()
       WHERE campaigns.status = 'draft'
     RETURNING *, (xmax = 0) AS created`,
    [input.id, d.name, d.reentry.family ?? input.id, JSON.stringify(d), d.startAt ? new Date(d.startAt) : null, input.actor],
  );
  const row = rows[0];
  if (!row) throw new ConflictError('campaign_not_draft', `campaign ${input.id} was launched; its definition can no longer change`, { campaignId: input.id });
  return { campaign: toCampaign(row), created: row.created };
}

export async function getCampaign(db: Pool | PoolClient, id: string): Promise<Campaign> {
  const { rows } = await db.query<CampaignRow>(`SELECT * FROM campaigns WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('campaign_not_found', `no campaign ${id}`, { campaignId: id });
  return toCampaign(rows[0]);
}

export async function listCampaigns(pool: Pool, filter: { status?: CampaignStatus | undefined } = {}): Promise<Campaign[]> {
  const { rows } = await pool.query<CampaignRow>(`SELECT * FROM campaigns WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT 500`, [filter.status ?? null]);
  return rows.map(toCampaign);
}
