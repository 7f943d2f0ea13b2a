// Every workflow the journeys worker registers. Workflow code only: deterministic, and it imports
// nothing but @temporalio/workflow and workflow-safe pure code.
export { stackCheckWorkflow } from './stack-check.js';
export { campaignWorkflow } from './campaign.js';
export { missionWorkflow } from './missions.js';
export { contestWorkflow } from './contests.js';
export { expirySweepWorkflow } from './expiry.js';
export { tierReviewWorkflow } from './tier-review.js';
export { winbackWorkflow } from './winback.js';
export { drawWorkflow } from './draw.js';
export { journeyWorkflow } from './journey.js';
export { dateJourneysWorkflow } from './date-journeys.js';
