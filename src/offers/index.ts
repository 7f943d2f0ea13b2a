// Targeted offers: bonus rules for holders, personal coupons, reward discounts; grants, uses, stats.
export {
  OfferDefinitionSchema,
  OfferIdSchema,
  BonusRuleSchema,
  BonusEffectSchema,
  CouponDiscountSchema,
  usesPerMemberOf,
  windowsOverlap,
  type OfferDefinition,
  type OfferDefinitionInput,
  type OfferKind,
  type BonusRule,
  type BonusEffect,
  type CouponDiscount,
} from './definition.js';
export { putOffer, getOffer, findOffer, listOffers, archiveOffer, campaignStepOffers, offerView, offerLive, offerEnded, offerFromRow, type Offer, type OfferRow, type OfferStatus } from './store.js';
export { grantOffer, generatedCode, type GrantTarget, type GrantResult, type HeldGrant } from './grants.js';
export { messageOffer, offerVars, type MessageOffer } from './message-vars.js';
export { issueOffer, type IssueResult } from './issue.js';
export { redeemCoupon, importOfferCodes, discountAmount, type CouponRedemption } from './coupons.js';
export { memberOffers, type HeldOffer, type HeldOfferStatus } from './member-offers.js';
export { offerCounts, type OfferCounts } from './stats.js';
