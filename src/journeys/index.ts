export { connectTemporalClient } from './client.js';
export { createJourneyWorker, createActivities, bundleWorkflows, WORKFLOWS_PATH, JOURNEY_MAX_CACHED_WORKFLOWS, type JourneyDeps } from './worker.js';
