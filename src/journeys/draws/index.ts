// Prize draws as a journey: definitions, the freeze/commit, the draw, awards and notifications
// around the pure LAUREL-DRAW-v1 core in src/draws.
export { DrawInputSchema, TicketFormulaSchema, DrawPrizeSchema, rulesHash, drawWorkflowId, drawIdOf, type DrawInput, type DrawDefinition, type TicketFormula } from './definition.js';
export { drandChains } from './chains.js';
export { fetchDrandRound } from './drand-relay.js';
export { ticketHolders, ticketPurchaseAdjustmentKey, type TicketHolder } from './tickets.js';
export {
  createDraw,
  checkDrawRandomness,
  freezeDraw,
  executeDraw,
  secretMatchesCommit,
  type DrawSettings,
  type FreezeResult,
  type RevealEvidence,
  type DrawResult,
} from './lifecycle.js';
export { findDraw, getDraw, listDraws, auditLog, loadEntries, memberEntry, drawWinners, type DrawRecord, type DrawStatus, type DrawWinner, type MemberEntry } from './store.js';
export { drawSettingsFrom } from './settings.js';
export { createDrawActivities, type DrawActivities, type DrawActivityDeps } from './activities.js';
export { defineDraw, ensureDrawWorkflow, closeDrawEntries, revealDrawSecret, buyDrawTickets, memberDrawEntry, type DrawControlDeps, type MemberDrawEntry } from './control.js';
export { exportDraw, type ExportedDraw } from './export.js';
export { memberDraws, type MemberDrawView } from './member-draws.js';
