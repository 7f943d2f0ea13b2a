export { appendAudit, type AuditEntry } from './append.js';
export { listAuditLog, type AuditLogQuery, type AuditLogEntryView } from './read.js';
