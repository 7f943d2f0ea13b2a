export { connectTemporalClient } from './client.js';
export { createJourneyWorker, createActivities, bundleWorkflows, WORKFLOWS_PATH, type JourneyDeps } from './worker.js';
