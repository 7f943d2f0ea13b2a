export { addToOutbox, outboxPayload, type OutboxJob } from './outbox.js';
export { OutboxRelay } from './relay.js';
