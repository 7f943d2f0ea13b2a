export { createDeliveryQueue, enqueueDelivery, deliveryJobId, type DeliveryJob, type DeliveryQueueOptions } from './queue.js';
export { MessageDelivery, type DeliveryDeps, type DeliveryOutcome, type DeliveryPolicySettings } from './deliver.js';
export { createDeliveryWorker, type DeliveryWorkerDeps } from './worker.js';
export { startDeliveryService, createChannels, createReconcilers, publicBaseUrl, type DeliveryService, type DeliveryServiceDeps } from './service.js';
export { ChannelRateLimiter } from './rate-limit.js';
export { retryDelayMs } from './retry.js';
