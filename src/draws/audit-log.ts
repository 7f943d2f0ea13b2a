import { createHash } from 'node:crypto';

/**
 * The draw's append-only audit log is a hash chain: every entry carries the hash of the one before
 * it, and an entry's hash covers its draw, position, kind, time, body and that previous hash. An
 * edit anywhere changes a hash that a later entry (or the published audit record) pins.
 */
export interface AuditLogEntry {
  drawId: string;
  seq: number;
  kind: string;
  /** ISO-8601 UTC instant. */
  at: string;
  body: unknown;
  prevHash: string | null;
  hash: string;
}

/** JSON with object keys sorted at every level: one byte string per value, for hashing. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function auditEntryHash(entry: Omit<AuditLogEntry, 'hash'>): string {
  return sha256Hex(canonicalJson({ draw_id: entry.drawId, seq: entry.seq, kind: entry.kind, at: entry.at, body: entry.body, prev_hash: entry.prevHash }));
}

/** The next entry of a chain whose last entry is `last` (undefined: the first entry). */
export function nextAuditEntry(drawId: string, last: Pick<AuditLogEntry, 'seq' | 'hash'> | undefined, kind: string, at: Date, body: unknown): AuditLogEntry {
  const entry = { drawId, seq: (last?.seq ?? 0) + 1, kind, at: at.toISOString(), body, prevHash: last?.hash ?? null };
  return { ...entry, hash: auditEntryHash(entry) };
}

export type AuditChainResult = { ok: true; head: string | null } | { ok: false; seq: number; code: 'audit_log_broken' | 'audit_log_tampered'; message: string };

/** Recomputes every hash and link of a draw's log, in seq order; names the first bad entry. */
export function verifyAuditChain(entries: readonly AuditLogEntry[]): AuditChainResult {
  let prev: AuditLogEntry | undefined;
  for (const e of entries) {
    if (e.seq !== (prev?.seq ?? 0) + 1 || e.prevHash !== (prev?.hash ?? null) || (prev && e.drawId !== prev.drawId)) {
      return { ok: false, seq: e.seq, code: 'audit_log_broken', message: `entry ${e.seq} does not follow entry ${prev?.seq ?? 0} (missing, reordered or relinked)` };
    }
    if (auditEntryHash(e) !== e.hash) {
      return { ok: false, seq: e.seq, code: 'audit_log_tampered', message: `entry ${e.seq} (${e.kind}) does not hash to its recorded hash: it was edited` };
    }
    prev = e;
  }
  return { ok: true, head: prev?.hash ?? null };
}
