export { createRedis } from './connection.js';
export { QUEUES, jobId, type QueueName } from './names.js';
