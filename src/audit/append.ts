import type { Pool, PoolClient } from '../db/index.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Appends to the audit log (the table refuses updates and deletes). Use the write's own transaction. */
export async function appendAudit(db: Pool | PoolClient, entry: AuditEntry): Promise<void> {
  await db.query(`INSERT INTO audit_log (actor, action, subject, before, after) VALUES ($1, $2, $3, $4, $5)`, [
    entry.actor,
    entry.action,
    entry.subject ?? null,
    entry.before === undefined ? null : JSON.stringify(entry.before),
    entry.after === undefined ? null : JSON.stringify(entry.after),
  ]);
}
