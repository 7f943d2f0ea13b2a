// The Postgres ledger. The pure rules it applies live in ./core (no I/O).
export { ingestEvent, ingestBatch, ingestHistoric, groupCommitStats, ingestPhaseStats, type IngestOptions } from './ingest.js';
export { BUILT_IN_EVENT_TYPES, type EventResult } from './core/index.js';
export { EventInputSchema, MAX_BATCH, eventIdOf, eventFingerprint, idempotencyKeyOf, type EventInput } from './event-input.js';
export { adjustPoints, type AdjustmentResult } from './adjust.js';
export { memberSummary, ledgerPage, type MemberSummary, type LedgerEntryView } from './summary.js';
export { expirePoints, activatePendingPoints, reviewTiers, type ExpiryCounts, type ReviewCounts } from './sweeps.js';
export { checkLedger, checkLedgerInvariant, type InvariantViolation, type LedgerCheck, type MemberImbalance } from './invariant.js';
export { activitySummaries } from './activity.js';
export { requestAward, requestAwards, requestAwardNow, grantAward, grantAwardIn, createAwardWorker, type AwardRequest, type AwardJob } from './awards.js';
export { findStoredEvent, type StoredEvent } from './stored-event.js';
export { resultJson } from './result-json.js';
