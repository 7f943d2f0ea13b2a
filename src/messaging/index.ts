export * from './channels/index.js';
export * from './reconcile/index.js';
export * from './policies/index.js';
export * from './delivery/index.js';
export * from './store/index.js';
export * from './notifications/index.js';
export { createUnsubscribeToken, verifyUnsubscribeToken, unsubscribeUrl, listUnsubscribeHeaders, type UnsubscribeClaims } from './unsubscribe.js';
