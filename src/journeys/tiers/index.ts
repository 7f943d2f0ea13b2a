export { createTierReviewActivities, type TierReviewActivities } from './activities.js';
