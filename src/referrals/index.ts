export { attachReferral, referralCodeOf, REJECTION_REASONS, type AttachOutcome, type ReferralStatus, type RejectionReason } from './attach.js';
export { createReferralFanoutHandler, rejectRefunded } from './qualify.js';
export { rewardDueReferrals, type ReferralRewardCounts } from './reward.js';
export { referralReport, memberReferral, type ReferralReport } from './report.js';
export { reverseRefundedReferrals } from './reverse.js';
export { listReferrals, type ReferralFilter, type ReferralView } from './list.js';
