import { randomBytes } from 'node:crypto';
import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError, type LaurelError } from '../errors/index.js';
import type { CampaignDefinition } from '../journeys/campaigns/definition.js';
import type { ProgramDefinition } from '../program/index.js';
import { findReward } from '../rewards/index.js';
import { bonusBeyondBudget, usesPerMemberOf, windowsOverlap, type OfferDefinition, type OfferKind } from './definition.js';

export type OfferStatus = 'active' | 'archived';

export interface Offer {
  id: string;
  name: string;
  kind: OfferKind;
  definition: OfferDefinition;
  campaignId: string | null;
  campaignStep: number | null;
  campaignVariants: string[] | null;
  tiers: string[] | null;
  validFrom: Date;
  validUntil: Date | null;
  usesPerMember: number | null;
  trigger: string | null;
  budgetPoints: number | null;
  pointsGiven: number;
  rewardId: string | null;
  codeSalt: string;
  status: OfferStatus;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export interface OfferRow {
  id: string;
  name: string;
  kind: OfferKind;
  definition: OfferDefinition;
  campaign_id: string | null;
  campaign_step: number | null;
  campaign_variants: string[] | null;
  tiers: string[] | null;
  valid_from: Date;
  valid_until: Date | null;
  uses_per_member: number | null;
  trigger: string | null;
  budget_points: number | null;
  points_given: number;
  reward_id: string | null;
  code_salt: string;
  status: OfferStatus;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export function offerFromRow(r: OfferRow): Offer {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    definition: r.definition,
    campaignId: r.campaign_id,
    campaignStep: r.campaign_step,
    campaignVariants: r.campaign_variants,
    tiers: r.tiers,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    usesPerMember: r.uses_per_member,
    trigger: r.trigger,
    budgetPoints: r.budget_points,
    pointsGiven: r.points_given,
    rewardId: r.reward_id,
    codeSalt: r.code_salt,
    status: r.status,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    archivedAt: r.archived_at,
  };
}

/** What the API shows (the code salt stays inside). */
export function offerView(offer: Offer): Omit<Offer, 'codeSalt'> {
  const { codeSalt: _salt, ...rest } = offer;
  return rest;
}

export async function findOffer(db: Pool | PoolClient, id: string): Promise<Offer | undefined> {
  const { rows } = await db.query<OfferRow>(`SELECT * FROM offers WHERE id = $1`, [id]);
  return rows[0] ? offerFromRow(rows[0]) : undefined;
}

export async function getOffer(db: Pool | PoolClient, id: string): Promise<Offer> {
  const offer = await findOffer(db, id);
  if (!offer) throw new NotFoundError('offer_not_found', `no offer ${id}`, { offerId: id });
  return offer;
}

export async function listOffers(
  db: Pool | PoolClient,
  filter: { status?: OfferStatus | 'all'; campaignId?: string | undefined; kind?: OfferKind | undefined } = {},
): Promise<Offer[]> {
  const { rows } = await db.query<OfferRow>(
    `SELECT * FROM offers WHERE ($1::text = 'all' OR status = $1) AND ($2::text IS NULL OR campaign_id = $2) AND ($3::text IS NULL OR kind = $3)
      ORDER BY created_at DESC, id LIMIT 1000`,
    [filter.status ?? 'active', filter.campaignId ?? null, filter.kind ?? null],
  );
  return rows.map(offerFromRow);
}

/** The offers attached to a campaign step (active ones), for the campaign's pages. */
export async function campaignStepOffers(db: Pool | PoolClient, campaignId: string, step: number): Promise<Offer[]> {
  const { rows } = await db.query<OfferRow>(`SELECT * FROM offers WHERE campaign_id = $1 AND campaign_step = $2 AND status = 'active' ORDER BY id`, [campaignId, step]);
  return rows.map(offerFromRow);
}

interface CampaignRef {
  id: string;
  status: string;
  definition: CampaignDefinition;
}

async function checkCampaign(client: PoolClient, d: OfferDefinition, before: Offer | undefined): Promise<CampaignRef | null> {
  if (!d.campaign) return null;
  const { rows } = await client.query<CampaignRef>(`SELECT id, status, definition FROM campaigns WHERE id = $1`, [d.campaign.id]);
  const campaign = rows[0];
  if (!campaign) throw new NotFoundError('unknown_campaign', `campaign.id: no campaign ${d.campaign.id}`, { campaignId: d.campaign.id });
  const step = campaign.definition.steps[d.campaign.step];
  if (!step || step.kind === 'wait') {
    throw new ValidationError('invalid_offer', `campaign.step: step ${d.campaign.step} of campaign ${campaign.id} is ${step ? 'a wait' : 'missing'}; an offer attaches to a send or follow_up step`, {
      campaignId: campaign.id,
    }, 422);
  }
  for (const variant of d.campaign.variants ?? []) {
    if (!campaign.definition.variants.some((v) => v.key === variant)) {
      throw new ValidationError('invalid_offer', `campaign.variants: campaign ${campaign.id} has no variant ${variant}`, { campaignId: campaign.id }, 422);
    }
  }
  const sameAttachment =
    before?.campaignId === d.campaign.id && before.campaignStep === d.campaign.step && JSON.stringify(before.campaignVariants) === JSON.stringify(d.campaign.variants ?? null);
  // Members already paged in would miss an offer attached now: attach before the launch.
  if (!sameAttachment && campaign.status !== 'draft' && campaign.status !== 'scheduled') {
    throw new ConflictError('campaign_not_draft', `campaign ${campaign.id} is ${campaign.status}; attach offers before it runs (or issue the offer to its members)`, {
      campaignId: campaign.id,
    });
  }
  return campaign;
}

/**
 * Two bonus offers of one campaign that earn on the same event type for the same variant must not
 * be valid at the same time: a member would get both. (Different variants may: that is an A/B test
 * of offers.)
 */
async function checkOverlap(client: PoolClient, id: string, d: OfferDefinition, from: Date, until: Date | null): Promise<void> {
  if (d.kind !== 'bonus_rule' || !d.campaign) return;
  const { rows } = await client.query<OfferRow>(
    `SELECT * FROM offers WHERE campaign_id = $1 AND kind = 'bonus_rule' AND trigger = $2 AND status = 'active' AND id <> $3`,
    [d.campaign.id, d.rule.trigger, id],
  );
  const mine = d.campaign.variants ?? null;
  for (const other of rows.map(offerFromRow)) {
    const theirs = other.campaignVariants;
    const shareVariants = mine === null || theirs === null || mine.some((v) => theirs.includes(v));
    if (shareVariants && windowsOverlap({ from, until }, { from: other.validFrom, until: other.validUntil })) {
      throw new ConflictError(
        'offer_window_overlap',
        `offer ${other.id} of campaign ${d.campaign.id} also earns on ${d.rule.trigger} for the same members from ${other.validFrom.toISOString()} to ${other.validUntil?.toISOString() ?? 'open-ended'}; give them windows that do not overlap, or different variants`,
        { offerId: other.id },
      );
    }
  }
}

async function checkRewardDiscount(client: PoolClient, d: OfferDefinition): Promise<string | null> {
  if (d.kind !== 'reward_discount') return null;
  const reward = await findReward(client, d.discount.rewardId);
  if (!reward) throw new NotFoundError('unknown_reward', `discount.rewardId: reward ${d.discount.rewardId} is not in the catalog`, { rewardId: d.discount.rewardId });
  if (d.discount.costPoints !== undefined && d.discount.costPoints >= reward.costPoints) {
    throw new ValidationError('invalid_offer', `discount.costPoints: ${d.discount.costPoints} is not below the catalog price of ${reward.id} (${reward.costPoints})`, { rewardId: reward.id }, 422);
  }
  return reward.id;
}

function checkTiersAndRules(program: ProgramDefinition, d: OfferDefinition): void {
  const tiers = new Set(program.tiers.map((t) => t.id));
  d.tiers?.forEach((tier, i) => {
    if (!tiers.has(tier)) throw new ValidationError('unknown_tier', `tiers[${i}]: the program has no tier "${tier}"`, { tier }, 422);
  });
  if (d.kind === 'bonus_rule' && d.rule.effect.type === 'multiplier') {
    const rules = new Set(program.earningRules.map((r) => r.id));
    d.rule.effect.rules?.forEach((rule, i) => {
      if (!rules.has(rule)) throw new ValidationError('invalid_offer', `rule.effect.rules[${i}]: the program has no earning rule "${rule}"`, { ruleId: rule }, 422);
    });
  }
}

/**
 * Creates an offer or replaces its definition. Once it has been granted, its kind, campaign
 * attachment and code source are fixed (409 `offer_in_use`); its text, window, limits and budget
 * may still change (existing holders see the change). Audit logged.
 */
export async function putOffer(
  pool: Pool,
  input: { id: string; definition: OfferDefinition; program: ProgramDefinition; actor: string; now?: Date },
): Promise<{ offer: Offer; created: boolean }> {
  const d = input.definition;
  checkTiersAndRules(input.program, d);
  const beyond = bonusBeyondBudget(d);
  if (beyond) throw new ValidationError('bonus_beyond_budget', `${beyond.path}: ${beyond.points} points is beyond the whole budget of ${beyond.budget}`, beyond, 422);
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<OfferRow>(`SELECT * FROM offers WHERE id = $1 FOR UPDATE`, [input.id]);
    const before = rows[0] ? offerFromRow(rows[0]) : undefined;
    if (before?.status === 'archived') throw new ConflictError('offer_archived', `offer ${input.id} is archived; create a new offer id`, { offerId: input.id });
    if (before) {
      const { rows: granted } = await client.query(`SELECT 1 FROM offer_grants WHERE offer_id = $1 LIMIT 1`, [input.id]);
      if (granted.length > 0) {
        const fixed = (o: OfferDefinition) =>
          JSON.stringify([o.kind, o.campaign ?? null, o.kind === 'coupon' ? o.coupon.codes.source : null, o.kind === 'reward_discount' ? o.discount.rewardId : null]);
        if (fixed(before.definition) !== fixed(d)) {
          throw new ConflictError('offer_in_use', `offer ${input.id} has been granted: its kind, campaign, code source and reward are fixed`, { offerId: input.id });
        }
      }
    }
    const now = input.now ?? new Date();
    const from = d.validFrom ? new Date(d.validFrom) : (before?.validFrom ?? now);
    const until = d.validUntil ? new Date(d.validUntil) : null;
    if (until && until.getTime() <= from.getTime()) {
      throw new ValidationError('invalid_offer', `validUntil: the window ends (${until.toISOString()}) before it starts (${from.toISOString()})`, undefined, 422);
    }
    await checkCampaign(client, d, before);
    await checkOverlap(client, input.id, d, from, until);
    const rewardId = await checkRewardDiscount(client, d);
    if (d.kind === 'bonus_rule' && before && d.budgetPoints !== undefined && d.budgetPoints < before.pointsGiven) {
      throw new ConflictError('budget_below_given', `offer ${input.id} has given ${before.pointsGiven} points; the budget cannot be ${d.budgetPoints}`, { offerId: input.id });
    }
    const { rows: written } = await client.query<OfferRow>(
      `INSERT INTO offers (id, name, kind, definition, campaign_id, campaign_step, campaign_variants, tiers, valid_from, valid_until, uses_per_member,
                           trigger, budget_points, reward_id, code_salt, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, definition = EXCLUDED.definition, campaign_id = EXCLUDED.campaign_id,
         campaign_step = EXCLUDED.campaign_step, campaign_variants = EXCLUDED.campaign_variants, tiers = EXCLUDED.tiers, valid_from = EXCLUDED.valid_from,
         valid_until = EXCLUDED.valid_until, uses_per_member = EXCLUDED.uses_per_member, trigger = EXCLUDED.trigger, budget_points = EXCLUDED.budget_points,
         reward_id = EXCLUDED.reward_id, updated_at = now()
       RETURNING *`,
      [
        input.id,
        d.name,
        d.kind,
        JSON.stringify(d),
        d.campaign?.id ?? null,
        d.campaign?.step ?? null,
        d.campaign?.variants ?? null,
        d.tiers ?? null,
        from,
        until,
        usesPerMemberOf(d),
        d.kind === 'bonus_rule' ? d.rule.trigger : null,
        d.kind === 'bonus_rule' ? (d.budgetPoints ?? null) : null,
        rewardId,
        before?.codeSalt ?? randomBytes(16).toString('hex'),
        input.actor,
      ],
    );
    const offer = offerFromRow(written[0]!);
    await appendAudit(client, { actor: input.actor, action: before ? 'offer.update' : 'offer.create', subject: `offer:${input.id}`, before: before ? offerView(before) : null, after: offerView(offer) });
    return { offer, created: !before };
  });
}

/** Archived offers give nothing more: no new grants, no bonus, coupons and discounts refused. Idempotent; audit logged. */
export async function archiveOffer(pool: Pool, input: { id: string; actor: string }): Promise<Offer> {
  return await withTransaction(pool, async (client) => {
    const before = await getOffer(client, input.id);
    if (before.status === 'archived') return before;
    const { rows } = await client.query<OfferRow>(`UPDATE offers SET status = 'archived', archived_at = now(), updated_at = now() WHERE id = $1 RETURNING *`, [input.id]);
    await appendAudit(client, { actor: input.actor, action: 'offer.archive', subject: `offer:${input.id}`, before: { status: before.status }, after: { status: 'archived' } });
    return offerFromRow(rows[0]!);
  });
}

/** The offer is usable at `at`: active and inside its window. */
export function offerLive(offer: Pick<Offer, 'status' | 'validFrom' | 'validUntil'>, at: Date): boolean {
  return offer.status === 'active' && offer.validFrom.getTime() <= at.getTime() && (offer.validUntil === null || at.getTime() < offer.validUntil.getTime());
}

export function offerEnded(offer: Pick<Offer, 'id' | 'status' | 'validUntil'>, at: Date): LaurelError | null {
  if (offer.status === 'archived') return new ConflictError('offer_archived', `offer ${offer.id} is archived`, { offerId: offer.id });
  if (offer.validUntil && at.getTime() >= offer.validUntil.getTime()) {
    return new ConflictError('offer_ended', `offer ${offer.id} ended at ${offer.validUntil.toISOString()}`, { offerId: offer.id, validUntil: offer.validUntil.toISOString() });
  }
  return null;
}
