/**
 * A fact: something that happened and was committed (a member was created, points were earned, a
 * tier changed). Facts are what outbound webhooks send and what journeys are triggered by. The id
 * is derived from the fact itself (`points.earned.<event id>`), so announcing it twice is once.
 */
export interface Fact {
  id: string;
  type: FactType;
  /** The member it is about; null for program-level facts (a draw was drawn). */
  memberId: string | null;
  /** Ordering key: facts of one lane are delivered in order (`member:<id>`, `draw:<id>`). */
  lane: string;
  /** ISO 8601. */
  occurredAt: string;
  /**
   * When the fact was committed (ISO; the time of its transaction): facts of a lane are delivered
   * in this order. emitFacts stamps it; facts derived from an event carry the event's.
   */
  recordedAt?: string;
  /** Ids and small values only, never personal data (names, addresses): see FACT_TYPES. */
  data: Record<string, unknown>;
}

/** Every fact type, what it means, and what its `data` holds (the webhook documentation). */
export const FACT_TYPES = {
  'member.created': 'A member joined: memberId, tierId, joinedAt, locale; referralCode and referrerId when they joined with a referral code.',
  'member.erased': 'A member was erased (their personal data removed): memberId, erasedAt. Erase your copy too.',
  'points.earned': 'Points were credited: memberId, points, pending (true while in the return window), eventId or awardId, source, balance {available, pending}.',
  'points.redeemed': 'Points were spent on a reward: memberId, rewardId, quantity, points, redemptionId, balance {available, pending}.',
  'reward.redeemed': 'A catalog reward was redeemed (same transaction as its points.redeemed): memberId, rewardId, redemptionId, points, quantity, status (requested for material rewards, else completed). Never the coupon codes it revealed.',
  'points.expiring': 'Points will expire soon (sent with the 30/7/1-day reminders): memberId, points, expiresAt, daysBefore.',
  'points.expired': 'Points expired in a sweep: memberId, points, balance {available}.',
  'tier.changed': 'A member moved tier: memberId, fromTier, toTier, direction (up|down), reason.',
  'offer.granted': 'A member was granted an offer (a campaign step, an issue, a journey step, a referral): memberId, offerId, grantId, kind, code (a personal coupon code, if any), expiresAt, campaignId, source.',
  'mission.completed': 'A member completed a mission period: memberId, missionId, periodKey, rewardPoints.',
  'draw.drawn': 'A prize draw was drawn: drawId, winners [{slot, kind, prizeId, memberId, pid}].',
  'referral.rewarded': 'A referral was rewarded (the referee\'s qualifying purchase passed its return window): memberId (the referrer), refereeId, referrerPoints, refereePoints.',
  'referral.reversed': 'A rewarded referral was reversed (its qualifying purchase was refunded below the minimum): memberId (the referrer), refereeId, reversedPoints (taken back from both sides), unrecoveredPoints (already spent, not taken: never a debt).',
  'webhook.test': 'A test delivery requested through the API: subscriptionId, requestedBy.',
} as const;

export type FactType = keyof typeof FACT_TYPES;
export const FACT_TYPE_NAMES = Object.keys(FACT_TYPES) as FactType[];

export function memberLane(memberId: string): string {
  return `member:${memberId}`;
}

/** A member's fact (the common case): lane by member. */
export function memberFact(type: FactType, id: string, memberId: string, occurredAt: Date | string, data: Record<string, unknown>): Fact {
  return { id, type, memberId, lane: memberLane(memberId), occurredAt: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(), data: { memberId, ...data } };
}
