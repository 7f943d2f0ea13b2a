export { WebhookIdSchema, WebhookInputSchema, RotateSecretSchema, ReplaySchema, type WebhookInput, type WebhookDefinition } from './definition.js';
export { findSubscription, getSubscription, listSubscriptions, upsertSubscription, disableSubscription, rotateSecret, newWebhookSecret, type WebhookSubscription } from './store.js';
export { recordFact, createWebhookFactHandler } from './record.js';
export { joinLanes, advanceLane, restartLanes } from './lanes.js';
export { WebhookDelivery, webhookBody, type DeliveryOutcome } from './deliver.js';
export { startWebhookService, type WebhookJob } from './worker.js';
export { replayDeliveries, replayOne, replayRange, sendTestDelivery } from './replay.js';
export { listDeliveries, getDelivery, type DeliveryView, type AttemptView } from './deliveries.js';
