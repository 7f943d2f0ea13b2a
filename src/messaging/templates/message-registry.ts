import type { Channel, MessageKind } from './types.js';

/**
 * Every message Laurel sends, what kind it is (transactional bypasses frequency caps; marketing
 * needs consent and an unsubscribe link), the variables its templates may use and a sample
 * context for validation and previews. Templates may also use `member.*` and `links.*`.
 */

export type ScalarType = 'string' | 'integer' | 'date' | 'tier' | 'url';
export type VariableType = ScalarType | 'money' | { list: Readonly<Record<string, VariableSpec>> };

export interface VariableSpec {
  type: VariableType;
  required?: boolean;
  description: string;
}

export interface MessageDefinition {
  name: string;
  kind: MessageKind;
  description: string;
  /** Channels the built-in templates cover. */
  channels: readonly Channel[];
  variables: Readonly<Record<string, VariableSpec>>;
  /** Renders every built-in template of the message; dates are relative to SAMPLE_NOW. */
  sample: Readonly<Record<string, unknown>>;
}

/** The instant samples are written against: previews show "in 5 days" for SAMPLE_NOW + 5 days. */
export const SAMPLE_NOW = new Date('2026-11-20T08:30:00Z');

const points = (description: string, required = true): VariableSpec => ({ type: 'integer', required, description });
const text = (description: string, required = true): VariableSpec => ({ type: 'string', required, description });
const date = (description: string, required = true): VariableSpec => ({ type: 'date', required, description });

const definitions: MessageDefinition[] = [
  {
    name: 'welcome',
    kind: 'transactional',
    description: 'Sent once when a member joins the program.',
    channels: ['email', 'inbox'],
    variables: {
      programName: text('Display name of the loyalty program'),
      balance: points('Points balance after any welcome bonus'),
      welcomeBonus: points('Points granted for joining, if any', false),
    },
    sample: { programName: 'Laurel Rewards', balance: 50, welcomeBonus: 50 },
  },
  {
    name: 'points_earned',
    kind: 'transactional',
    description: 'Points credited for a purchase or an action.',
    channels: ['email', 'inbox'],
    variables: {
      points: points('Points just earned'),
      balance: points('Spendable balance afterwards'),
      source: text('What earned them, e.g. "your purchase" or "your review"', false),
      pendingUntil: date('When pending points become spendable, if they are pending', false),
    },
    sample: { points: 1250, balance: 18_400, source: 'your purchase' },
  },
  {
    name: 'tier_upgraded',
    kind: 'transactional',
    description: 'The member reached a higher tier (upgrades are immediate).',
    channels: ['email', 'sms', 'inbox'],
    variables: {
      fromTier: { type: 'tier', required: true, description: 'Previous tier id' },
      toTier: { type: 'tier', required: true, description: 'New tier id (the member\'s tier)' },
      earnBonusPercent: points('Extra earn rate of the new tier, in percent'),
      tierExpiresAt: date('When the tier is next reviewed'),
    },
    sample: { fromTier: 'silver', toTier: 'gold', earnBonusPercent: 15, tierExpiresAt: '2027-11-19T20:30:00Z' },
  },
  {
    name: 'tier_downgraded',
    kind: 'transactional',
    description: 'A tier review moved the member down.',
    channels: ['email', 'inbox'],
    variables: {
      fromTier: { type: 'tier', required: true, description: 'Previous tier id' },
      toTier: { type: 'tier', required: true, description: 'New tier id (the member\'s tier)' },
      pointsToRegain: points('Qualifying points needed to get the previous tier back'),
      regainBy: date('End of the window in which they can regain it'),
    },
    sample: { fromTier: 'diamond', toTier: 'gold', pointsToRegain: 4200, regainBy: '2027-05-20T20:29:59Z' },
  },
  {
    name: 'points_expiring',
    kind: 'transactional',
    description: 'Reminder that a lot of points expires soon.',
    channels: ['email', 'sms', 'inbox'],
    variables: {
      points: points('Points that will expire'),
      expiresAt: date('Expiry instant'),
      balance: points('Current spendable balance'),
    },
    sample: { points: 3500, expiresAt: '2026-11-25T20:29:59Z', balance: 12_750 },
  },
  {
    name: 'points_expired',
    kind: 'transactional',
    description: 'Points expired in the last sweep.',
    channels: ['email', 'inbox'],
    variables: {
      points: points('Points that expired'),
      balance: points('Balance afterwards'),
    },
    sample: { points: 800, balance: 9_250 },
  },
  {
    name: 'mission_progress',
    kind: 'marketing',
    description: 'Nudge when a member is close to completing a mission.',
    channels: ['email', 'inbox'],
    variables: {
      missionName: text('Mission title'),
      progress: points('Count or sum reached so far'),
      target: points('Count or sum needed'),
      remaining: points('target - progress'),
      reward: points('Bonus points on completion'),
      endsAt: date('End of the mission period'),
    },
    sample: { missionName: '3 purchases in November', progress: 2, target: 3, remaining: 1, reward: 20, endsAt: '2026-11-30T20:29:59Z' },
  },
  {
    name: 'mission_completed',
    kind: 'transactional',
    description: 'Mission completed and reward awarded.',
    channels: ['email', 'inbox'],
    variables: {
      missionName: text('Mission title'),
      reward: points('Bonus points awarded'),
      balance: points('Balance afterwards'),
    },
    sample: { missionName: '3 purchases in November', reward: 20, balance: 12_770 },
  },
  {
    name: 'contest_result',
    kind: 'transactional',
    description: 'Final standing of a contest the member took part in.',
    channels: ['email', 'inbox'],
    variables: {
      contestName: text('Contest title'),
      rank: points('Final rank (1 = first)'),
      score: points('Final score'),
      participants: points('Number of ranked participants'),
      prizeName: text('Prize won, if any', false),
      leaders: {
        type: { list: { rank: points('Rank'), name: text('Public display name'), score: points('Score') } },
        required: false,
        description: 'Top of the final leaderboard',
      },
    },
    sample: {
      contestName: 'Autumn sprint',
      rank: 4,
      score: 5_320,
      participants: 1_873,
      prizeName: '2,000 bonus points',
      leaders: [
        { rank: 1, name: 'M. R.', score: 9_800 },
        { rank: 2, name: 'S. K.', score: 8_450 },
        { rank: 3, name: 'A. T.', score: 7_010 },
      ],
    },
  },
  {
    name: 'draw_won',
    kind: 'transactional',
    description: 'The member won a prize in a verifiable prize draw.',
    channels: ['email', 'sms', 'inbox'],
    variables: {
      drawName: text('Prize draw title'),
      prizeName: text('Prize won'),
      prizeValue: { type: 'money', required: false, description: 'Retail value of the prize' },
      claimBy: date('Last day to claim the prize'),
      verifyUrl: { type: 'url', required: true, description: 'Public page with the draw record and the member\'s inclusion proof' },
    },
    sample: {
      drawName: 'Yalda night draw',
      prizeName: 'Weekend for two in Kish',
      prizeValue: { amountMinor: '45000000', currency: 'IRT' },
      claimBy: '2026-12-20T20:29:59Z',
      verifyUrl: 'https://rewards.example.com/draws/yalda-2026/verify',
    },
  },
  {
    name: 'offer',
    kind: 'marketing',
    description: 'A campaign step gives the member an offer; its name, code and end are filled in from the grant.',
    channels: ['email', 'sms', 'inbox'],
    variables: {
      offerName: text('The offer as the marketer named it (filled in from the grant)', false),
      offerDescription: text('What it gives, in the marketer\'s words', false),
      offerCode: text('The personal coupon code (coupon offers)', false),
      offerValidUntil: date('Until when it can be used', false),
    },
    sample: { offerName: 'Double points this weekend', offerDescription: 'Every purchase earns twice the points until Sunday night.', offerCode: 'SPRING7KQ2M9XD4', offerValidUntil: '2026-11-22T20:30:00Z' },
  },
  {
    name: 'winback_offer',
    kind: 'marketing',
    description: 'Win-back journey after a demotion or a long quiet spell.',
    channels: ['email', 'sms', 'inbox'],
    variables: {
      bonusPoints: points('Bonus points offered'),
      spendThreshold: { type: 'money', required: true, description: 'Spend needed to unlock the bonus' },
      offerEndsAt: date('Offer deadline'),
      previousTier: { type: 'tier', required: false, description: 'Tier the member held before, if demoted' },
    },
    sample: {
      bonusPoints: 500,
      spendThreshold: { amountMinor: '2000000', currency: 'IRT' },
      offerEndsAt: '2026-12-04T20:29:59Z',
      previousTier: 'gold',
    },
  },
  {
    name: 'welcome_how_to_earn',
    kind: 'marketing',
    description: 'Welcome series, day 0: how points are earned (a lifecycle journey step).',
    channels: ['email', 'inbox'],
    variables: {},
    sample: {},
  },
  {
    name: 'first_purchase_nudge',
    kind: 'marketing',
    description: 'Welcome series: a nudge towards the first purchase (a lifecycle journey step).',
    channels: ['email', 'inbox'],
    variables: {},
    sample: {},
  },
  {
    name: 'bonus_points',
    kind: 'transactional',
    description: 'Bonus points were added (a journey award: welcome offer, win-back, referral).',
    channels: ['email', 'inbox'],
    variables: {
      bonusPoints: points('Bonus points added'),
      reason: text('Why, in a few words', false),
    },
    sample: { bonusPoints: 50, reason: 'a welcome gift' },
  },
  {
    name: 'first_purchase_thanks',
    kind: 'transactional',
    description: 'Thank-you after the first purchase (a lifecycle journey step).',
    channels: ['email', 'inbox'],
    variables: { points: points('Points the purchase earned', false) },
    sample: { points: 120 },
  },
  {
    name: 'almost_next_tier',
    kind: 'marketing',
    description: 'One purchase away from the next tier (a lifecycle journey step).',
    channels: ['email', 'inbox'],
    variables: {
      nextTier: { type: 'tier', required: true, description: 'The tier within reach' },
      pointsToNextTier: points('Qualifying points still missing'),
    },
    sample: { nextTier: 'gold', pointsToNextTier: 80 },
  },
  {
    name: 'birthday',
    kind: 'marketing',
    description: 'Birthday greeting (date journey), with the birthday in the member\'s calendar.',
    channels: ['email', 'inbox'],
    variables: {
      birthday: date('The birthday this year (noon, member time zone)'),
      bonusPoints: points('Birthday bonus points, if any', false),
      balance: points('Spendable balance', false),
    },
    sample: { birthday: '2026-11-21T08:30:00Z', bonusPoints: 100 },
  },
  {
    name: 'membership_anniversary',
    kind: 'marketing',
    description: 'Membership anniversary (date journey).',
    channels: ['email', 'inbox'],
    variables: {
      years: points('Whole years since joining'),
      anniversary: date('The anniversary date', false),
      bonusPoints: points('Anniversary bonus points, if any', false),
    },
    sample: { years: 3, anniversary: '2026-11-21T08:30:00Z', bonusPoints: 150 },
  },
  {
    name: 'inactivity_nudge',
    kind: 'marketing',
    description: 'A member who has been quiet for a while (date journey).',
    channels: ['email', 'inbox'],
    variables: {
      days: points('Days since the last activity'),
      balance: points('Spendable balance', false),
    },
    sample: { days: 60, balance: 1_250 },
  },
];

export const MESSAGE_REGISTRY: ReadonlyMap<string, MessageDefinition> = new Map(definitions.map((definition) => [definition.name, definition]));

export const BUILT_IN_MESSAGES: readonly string[] = definitions.map((definition) => definition.name);

export function messageDefinition(name: string): MessageDefinition | undefined {
  return MESSAGE_REGISTRY.get(name);
}

export function requiredVariables(definition: MessageDefinition): string[] {
  return Object.entries(definition.variables)
    .filter(([, spec]) => spec.required)
    .map(([name]) => name);
}
