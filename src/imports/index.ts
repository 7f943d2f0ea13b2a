// Bulk import of members and historic events from CSV or NDJSON, streamed (constant memory).
export { importEvents, IMPORT_CHUNK, type ImportOptions } from './import-events.js';
export { importMembers, type MemberImportOptions } from './import-members.js';
export { readRecords, formatOfFileName, type ImportFormat, type SourceRecord } from './read-records.js';
export { MAX_REPORTED_LINES, type BadLine, type ImportReport, type ImportProgress } from './report.js';
