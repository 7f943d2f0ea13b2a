export { createPointsEarnedHandler, resolveBatchVars, batchWindow, pointsEarnedMessageId, type PointsBatch, type PointsEarnedHandlerDeps } from './points-earned.js';
export { TierChangeNotifier, tierChangeMessage, tierChangeMessageId } from './tier-changes.js';
