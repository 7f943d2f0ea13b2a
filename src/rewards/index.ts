// The rewards catalog (managed through the API), redemptions with fulfilment and cancellation,
// and code pools imported from partners.
export {
  RewardInputSchema,
  RewardIdSchema,
  REWARD_KINDS,
  DEFAULT_FULFILMENT_DAYS,
  getReward,
  findReward,
  listRewards,
  putReward,
  archiveReward,
  importRewardCodes,
  seedRewardsFromProgram,
  type Reward,
  type RewardInput,
  type RewardKind,
} from './catalog.js';
export {
  redeemReward,
  getRedemption,
  listRedemptions,
  fulfilRedemption,
  cancelRedemption,
  cancelOverdueRedemptions,
  redemptionIdOf,
  type Redemption,
  type RedemptionResult,
  type RedemptionStatus,
} from './redemptions.js';
export { CodePoolJsonSchema, parseCodePool, parseCodeCsv, MAX_CODES_PER_IMPORT } from './code-pool.js';
