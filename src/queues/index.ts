export { createRedis } from './connection.js';
export { QUEUES, RELAYED_JOB_OPTIONS, jobId, type QueueName } from './names.js';
