export type { ChannelReconciler, ReconcileOutcome } from './types.js';
export { createMaildevReconciler } from './maildev.js';
