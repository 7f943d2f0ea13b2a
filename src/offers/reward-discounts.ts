import type { PoolClient } from '../db/index.js';
import type { OfferDefinition } from './definition.js';

/*
 * Reward discounts: a holder redeems the offer's reward at the offer's price. The best price among
 * the member's usable discount grants applies to as many units as the grant has uses left; each
 * discounted unit is one use. The use is an offer_uses row (ref = the redemption id) and the
 * redeem entry carries the offer and campaign ids.
 */

export interface AppliedDiscount {
  grantId: number;
  offerId: string;
  campaignId: string | null;
  unitPoints: number;
  units: number;
}

type DiscountDefinition = Extract<OfferDefinition, { kind: 'reward_discount' }>;

export function discountedUnitPrice(d: DiscountDefinition, listUnitPoints: number): number {
  if (d.discount.costPoints !== undefined) return Math.min(d.discount.costPoints, listUnitPoints);
  return listUnitPoints - Math.floor((listUnitPoints * d.discount.percentOff!) / 100);
}

/** The member's best usable discount for the reward (grant rows locked until the caller commits). */
export async function bestRewardDiscount(client: PoolClient, input: { memberId: string; rewardId: string; listUnitPoints: number; quantity: number; now: Date }): Promise<AppliedDiscount | null> {
  const { rows } = await client.query<{ id: number; offer_id: string; campaign_id: string | null; max_uses: number | null; uses: number; definition: DiscountDefinition }>(
    `SELECT g.id, g.offer_id, g.campaign_id, g.max_uses, g.uses, o.definition
       FROM offer_grants g JOIN offers o ON o.id = g.offer_id
      WHERE g.member_id = $1 AND o.kind = 'reward_discount' AND o.reward_id = $2 AND o.status = 'active' AND g.revoked_at IS NULL
        AND o.valid_from <= $3 AND (o.valid_until IS NULL OR o.valid_until > $3) AND (g.expires_at IS NULL OR g.expires_at > $3)
        AND (g.max_uses IS NULL OR g.uses < g.max_uses)
      ORDER BY g.id
      FOR UPDATE OF g`,
    [input.memberId, input.rewardId, input.now],
  );
  let best: AppliedDiscount | null = null;
  for (const r of rows) {
    const unitPoints = discountedUnitPrice(r.definition, input.listUnitPoints);
    if (unitPoints >= input.listUnitPoints) continue;
    const units = Math.min(input.quantity, r.max_uses === null ? input.quantity : r.max_uses - r.uses);
    if (!best || unitPoints < best.unitPoints) best = { grantId: r.id, offerId: r.offer_id, campaignId: r.campaign_id, unitPoints, units };
  }
  return best;
}

/** Records the use (in the redemption's transaction). */
export async function recordRewardDiscountUse(client: PoolClient, input: { discount: AppliedDiscount; memberId: string; redemptionId: string; savedPoints: number; now: Date }): Promise<void> {
  const { discount } = input;
  await client.query(
    `INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, points, at) VALUES ($1, $2, $3, $4, 'reward_discount', $5, $6, $7)`,
    [discount.grantId, discount.offerId, input.memberId, discount.campaignId, input.redemptionId, input.savedPoints, input.now],
  );
  await client.query(`UPDATE offer_grants SET uses = uses + $2, first_used_at = coalesce(first_used_at, $3), last_used_at = $3 WHERE id = $1`, [discount.grantId, discount.units, input.now]);
}

/** A cancelled redemption gives its discounted uses back to the grant. */
export async function returnRewardDiscountUse(client: PoolClient, input: { grantId: number; redemptionId: string; units: number; now: Date }): Promise<void> {
  const { rowCount } = await client.query(`UPDATE offer_uses SET cancelled_at = $3 WHERE grant_id = $1 AND ref = $2 AND cancelled_at IS NULL`, [input.grantId, input.redemptionId, input.now]);
  if (rowCount) await client.query(`UPDATE offer_grants SET uses = greatest(uses - $2, 0) WHERE id = $1`, [input.grantId, input.units]);
}
