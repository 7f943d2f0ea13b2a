import type { Pool, PoolClient } from '../db/index.js';

export interface AuditLogQuery {
  actor?: string;
  /** Exact action (`member.update`), or a family with a trailing `.*` (`member.*`). */
  action?: string;
  /** Exact subject (`member:sara`), or every subject of a kind with a trailing `:*` (`member:*`). */
  subject?: string;
  /** Inclusive lower / exclusive upper bound on the entry time. */
  from?: Date;
  to?: Date;
  limit: number;
  /** Keyset cursor: entries with an id below this one (newest first). */
  before?: number;
}

export interface AuditLogEntryView {
  id: number;
  actor: string;
  action: string;
  subject: string | null;
  before: unknown;
  after: unknown;
  at: string;
}

/** `member.*` → `member.%`, with LIKE's own wildcards in the literal part escaped. */
function familyPattern(value: string, separator: '.' | ':'): { exact: string | null; prefix: string | null } {
  const family = `${separator}*`;
  if (!value.endsWith(family)) return { exact: value, prefix: null };
  const literal = value.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
  return { exact: null, prefix: `${literal}%` };
}

/**
 * A newest-first page of the audit log. Every filter is a parameter; the page is keyset-paged by
 * id (stable while the log grows, since the table is append-only), so `nextBefore` of one page
 * fetches the next.
 */
export async function listAuditLog(db: Pool | PoolClient, query: AuditLogQuery): Promise<{ items: AuditLogEntryView[]; nextBefore: number | null }> {
  const action = query.action === undefined ? { exact: null, prefix: null } : familyPattern(query.action, '.');
  const subject = query.subject === undefined ? { exact: null, prefix: null } : familyPattern(query.subject, ':');
  const { rows } = await db.query<{ id: number; actor: string; action: string; subject: string | null; before: unknown; after: unknown; at: Date }>(
    `SELECT id, actor, action, subject, before, after, at FROM audit_log
      WHERE ($1::text IS NULL OR actor = $1)
        AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR action LIKE $3)
        AND ($4::text IS NULL OR subject = $4) AND ($5::text IS NULL OR subject LIKE $5)
        AND ($6::timestamptz IS NULL OR at >= $6) AND ($7::timestamptz IS NULL OR at < $7)
        AND ($8::bigint IS NULL OR id < $8)
      ORDER BY id DESC LIMIT $9`,
    [query.actor ?? null, action.exact, action.prefix, subject.exact, subject.prefix, query.from ?? null, query.to ?? null, query.before ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => ({ id: Number(r.id), actor: r.actor, action: r.action, subject: r.subject, before: r.before, after: r.after, at: r.at.toISOString() })),
    nextBefore: rows.length > query.limit ? Number(page[page.length - 1]!.id) : null,
  };
}
