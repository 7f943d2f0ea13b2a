export type { Role } from './role.js';
export { startApiRole } from './api.js';
export { startWorkerRole } from './worker.js';
export { startJourneysRole } from './journeys.js';
