export {
  CampaignDefinitionSchema,
  CampaignIdSchema,
  SegmentIdSchema,
  CampaignTemplateSchema,
  campaignMessageId,
  campaignWorkflowId,
  templateFor,
  type CampaignDefinition,
  type CampaignDefinitionInput,
  type CampaignStatus,
  type CampaignStep,
  type CampaignTemplate,
} from './definition.js';
export { BUCKETS, campaignBucket, assignBucket, type BucketAssignment } from './buckets.js';
export { saveCampaign, getCampaign, listCampaigns, type Campaign } from './store.js';
export { validateCampaignTemplates } from './validate-templates.js';
export { launchCampaign, controlCampaign, type CampaignControl, type CampaignControlDeps, type LaunchOptions } from './launch.js';
export { campaignStats, type CampaignStats, type VariantStats } from './stats.js';
export { createCampaignActivities, type CampaignActivities, type CampaignActivityDeps, type CampaignPlan, type PlanStep } from './activities.js';
