import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../server.js';
import { registerEventRoutes } from './events.js';
import { registerHealthRoutes } from './health.js';
import { registerSegmentRoutes } from './segments.js';
import { registerCampaignRoutes } from './campaigns.js';
import { registerMemberRoutes } from './members.js';
import { registerMissionRoutes } from './missions.js';
import { registerContestRoutes } from './contests.js';
import { registerMessageRoutes } from './messages.js';
import { registerProgramRoutes } from './program.js';
import { registerRewardRoutes } from './rewards.js';
import { registerOfferRoutes } from './offers.js';
import { registerDrawRoutes } from './draws.js';
import { registerAuditLogRoutes } from './audit-log.js';
import { registerReportRoutes } from './reports.js';
import { registerMeRoutes } from './me.js';
import { registerImportRoutes } from './imports.js';
import { registerWebhookRoutes } from './webhooks.js';
import { registerJourneyRoutes } from './journeys.js';
import { registerReferralRoutes } from './referrals.js';
import { registerDataRightsRoutes } from './data-rights.js';
import { registerWinbackRoutes } from './winback.js';

/** Every route group registers here; one file per concern in this folder. */
export function registerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  registerHealthRoutes(app, ctx);
  registerProgramRoutes(app, ctx);
  registerMemberRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerRewardRoutes(app, ctx);
  registerOfferRoutes(app, ctx);
  registerSegmentRoutes(app, ctx);
  registerCampaignRoutes(app, ctx);
  registerMissionRoutes(app, ctx);
  registerContestRoutes(app, ctx);
  registerDrawRoutes(app, ctx);
  registerAuditLogRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerMeRoutes(app);
  registerImportRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
  registerJourneyRoutes(app, ctx);
  registerReferralRoutes(app, ctx);
  registerDataRightsRoutes(app, ctx);
  registerWinbackRoutes(app, ctx);
}
