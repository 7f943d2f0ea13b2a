export { REPORTS, type ReportDefinition } from './registry.js';
export { parseReportQuery, ReportQuerySchema, type ReportQuery } from './query.js';
export { toCsv } from './csv.js';
export { reportRange, bucketBoundaries, MAX_REPORT_BUCKETS, REPORT_INTERVALS, REPORT_CALENDARS, type ReportRange, type ReportBucket } from './intervals.js';
export { pointsReport } from './points.js';
export * from './schemas.js';
export { compactReportRollups, rebuildReportRollups, RollupCompactor } from './rollups.js';
