import type { Pool } from '../db/index.js';
import type { OfferDefinition, OfferKind } from './definition.js';

export type HeldOfferStatus = 'active' | 'upcoming' | 'used' | 'expired' | 'revoked' | 'archived';

export interface HeldOffer {
  offerId: string;
  grantId: number;
  kind: OfferKind;
  name: string;
  description: string | null;
  campaignId: string | null;
  status: HeldOfferStatus;
  grantedAt: string;
  validFrom: string;
  /** Until when it can be used (exclusive); null = open-ended. */
  validUntil: string | null;
  /** What it gives. */
  gives:
    | { type: 'bonus_points'; trigger: string; effect: Extract<OfferDefinition, { kind: 'bonus_rule' }>['rule']['effect']; conditions: unknown; maxPointsPerUse: number | null }
    | { type: 'coupon'; code: string | null; discount: Extract<OfferDefinition, { kind: 'coupon' }>['coupon']['discount']; minOrderAmount: number | null }
    | { type: 'reward_discount'; rewardId: string; rewardName: string | null; listPoints: number | null; costPoints: number | null };
  /** How much is left: uses (null = unlimited) and, for bonus points with a per-member cap, points. */
  usesLeft: number | null;
  pointsLeft: number | null;
  uses: number;
  pointsGiven: number;
}

interface Row {
  grant_id: number;
  offer_id: string;
  kind: OfferKind;
  name: string;
  definition: OfferDefinition;
  campaign_id: string | null;
  granted_at: Date;
  valid_from: Date;
  valid_until: Date | null;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  points_given: number;
  revoked_at: Date | null;
  offer_status: 'active' | 'archived';
  code: string | null;
  reward_name: string | null;
  reward_cost: number | null;
}

function rewardPrice(d: Extract<OfferDefinition, { kind: 'reward_discount' }>, listPoints: number | null): number | null {
  if (d.discount.costPoints !== undefined) return d.discount.costPoints;
  if (listPoints === null) return null;
  return listPoints - Math.floor((listPoints * d.discount.percentOff!) / 100);
}

export function heldOffer(r: Row, now: Date): HeldOffer {
  const d = r.definition;
  const ends = [r.expires_at, r.valid_until].filter((t): t is Date => t !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const pointsLeft = d.kind === 'bonus_rule' && d.maxPointsPerMember !== undefined ? Math.max(d.maxPointsPerMember - r.points_given, 0) : null;
  const usesLeft = r.max_uses === null ? null : Math.max(r.max_uses - r.uses, 0);
  let status: HeldOfferStatus = 'active';
  if (r.revoked_at) status = 'revoked';
  else if (r.offer_status === 'archived') status = 'archived';
  else if (ends && now.getTime() >= ends.getTime()) status = 'expired';
  else if (usesLeft === 0 || pointsLeft === 0) status = 'used';
  else if (now.getTime() < r.valid_from.getTime()) status = 'upcoming';
  const gives: HeldOffer['gives'] =
    d.kind === 'bonus_rule'
      ? { type: 'bonus_points', trigger: d.rule.trigger, effect: d.rule.effect, conditions: d.rule.conditions ?? null, maxPointsPerUse: d.rule.maxPointsPerUse ?? null }
      : d.kind === 'coupon'
        ? { type: 'coupon', code: r.code, discount: d.coupon.discount, minOrderAmount: d.coupon.minOrderAmount ?? null }
        : { type: 'reward_discount', rewardId: d.discount.rewardId, rewardName: r.reward_name, listPoints: r.reward_cost, costPoints: rewardPrice(d, r.reward_cost) };
  return {
    offerId: r.offer_id,
    grantId: r.grant_id,
    kind: r.kind,
    name: r.name,
    description: d.description ?? null,
    campaignId: r.campaign_id,
    status,
    grantedAt: r.granted_at.toISOString(),
    validFrom: r.valid_from.toISOString(),
    validUntil: ends ? ends.toISOString() : null,
    gives,
    usesLeft,
    pointsLeft,
    uses: r.uses,
    pointsGiven: r.points_given,
  };
}

/** The offers a member holds, newest grant first; `active` (default) keeps the usable and upcoming ones. */
export async function memberOffers(pool: Pool, memberId: string, options: { status: 'active' | 'all'; now?: Date }): Promise<HeldOffer[]> {
  const now = options.now ?? new Date();
  const { rows } = await pool.query<Row>(
    `SELECT g.id AS grant_id, g.offer_id, o.kind, o.name, o.definition, g.campaign_id, g.granted_at, o.valid_from, o.valid_until, g.expires_at,
            g.max_uses, g.uses, g.points_given, g.revoked_at, o.status AS offer_status, c.code, w.name AS reward_name, w.cost_points AS reward_cost
       FROM offer_grants g JOIN offers o ON o.id = g.offer_id
       LEFT JOIN offer_codes c ON c.grant_id = g.id
       LEFT JOIN rewards w ON w.id = o.reward_id
      WHERE g.member_id = $1
      ORDER BY g.granted_at DESC, g.id DESC LIMIT 500`,
    [memberId],
  );
  const offers = rows.map((r) => heldOffer(r, now));
  return options.status === 'all' ? offers : offers.filter((o) => o.status === 'active' || o.status === 'upcoming');
}
