export { addToOutbox, type OutboxJob } from './outbox.js';
export { OutboxRelay } from './relay.js';
