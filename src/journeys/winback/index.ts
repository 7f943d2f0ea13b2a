export { winbackWorkflowId, WINBACK_ACTIVITY_SIGNAL } from './ids.js';
export { requalifyTarget, spendForPoints, winbackSettings } from './requalify.js';
export { behindPace } from './pace.js';
export { createWinbackActivities, type WinbackActivities, type WinbackPlan } from './activities.js';
export { createWinbackFanoutHandler } from './fanout.js';
export { winbackReport, type WinbackReport, type WinbackReportItem, type WinbackReportQuery, type WinbackCounts, type WinbackOutcome } from './report.js';
