export { createFanoutWorker, type FanoutHandler, type MemberEventJob } from './worker.js';
