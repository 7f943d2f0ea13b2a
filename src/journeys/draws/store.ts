import type { Pool, PoolClient } from '../../db/index.js';
import type { AuditLogEntry, DrawAuditRecord, DrawCommitRecord } from '../../draws/index.js';
import { DrawAuditRecordSchema, DrawCommitRecordSchema, FrozenEntries, nextAuditEntry, PID_BYTES } from '../../draws/index.js';
import { NotFoundError } from '../../errors/index.js';
import { DrawInputSchema, type DrawDefinition } from './definition.js';

export type DrawStatus = 'open' | 'frozen' | 'drawn' | 'closed' | 'void';

export interface DrawRecord {
  id: string;
  name: string;
  status: DrawStatus;
  definition: DrawDefinition;
  rulesHash: string;
  entryStartsAt: Date;
  entryEndsAt: Date;
  commit: DrawCommitRecord | null;
  audit: DrawAuditRecord | null;
  frozenAt: Date | null;
  drawnAt: Date | null;
  closedAt: Date | null;
  voidReason: string | null;
  createdAt: Date;
}

interface DrawRow {
  id: string;
  name: string;
  status: DrawStatus;
  definition: unknown;
  rules_hash: string;
  entry_starts_at: Date;
  entry_ends_at: Date;
  commit_record: unknown;
  audit_record: unknown;
  frozen_at: Date | null;
  drawn_at: Date | null;
  closed_at: Date | null;
  void_reason: string | null;
  created_at: Date;
}

const COLUMNS = `id, name, status, definition, rules_hash, entry_starts_at, entry_ends_at, commit_record, audit_record, frozen_at, drawn_at, closed_at, void_reason, created_at`;

function drawFromRow(r: DrawRow): DrawRecord {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    definition: DrawInputSchema.parse(r.definition),
    rulesHash: r.rules_hash,
    entryStartsAt: r.entry_starts_at,
    entryEndsAt: r.entry_ends_at,
    commit: r.commit_record === null ? null : DrawCommitRecordSchema.parse(r.commit_record),
    audit: r.audit_record === null ? null : DrawAuditRecordSchema.parse(r.audit_record),
    frozenAt: r.frozen_at,
    drawnAt: r.drawn_at,
    closedAt: r.closed_at,
    voidReason: r.void_reason,
    createdAt: r.created_at,
  };
}

/** Inserts the draw; false when the id exists (the caller reports the conflict). */
export async function insertDraw(client: PoolClient, definition: DrawDefinition, rulesHash: string, actor: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO draws (id, name, definition, rules_hash, entry_starts_at, entry_ends_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING`,
    [definition.id, definition.name, JSON.stringify(definition), rulesHash, definition.entryStartsAt, definition.entryEndsAt, actor],
  );
  return rowCount === 1;
}

export async function findDraw(db: Pool | PoolClient, id: string, options: { forUpdate?: boolean } = {}): Promise<DrawRecord | undefined> {
  const { rows } = await db.query<DrawRow>(`SELECT ${COLUMNS} FROM draws WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? drawFromRow(rows[0]) : undefined;
}

export async function getDraw(db: Pool | PoolClient, id: string, options: { forUpdate?: boolean } = {}): Promise<DrawRecord> {
  const draw = await findDraw(db, id, options);
  if (!draw) throw new NotFoundError('unknown_draw', `draw ${id} does not exist`, { drawId: id });
  return draw;
}

export async function listDraws(db: Pool | PoolClient): Promise<DrawRecord[]> {
  const { rows } = await db.query<DrawRow>(`SELECT ${COLUMNS} FROM draws ORDER BY entry_ends_at DESC, id LIMIT 500`);
  return rows.map(drawFromRow);
}

// ---- the hash-chained audit log ----

interface AuditRow {
  draw_id: string;
  seq: number;
  kind: string;
  at: Date;
  body: unknown;
  prev_hash: string | null;
  hash: string;
}

function auditFromRow(r: AuditRow): AuditLogEntry {
  return { drawId: r.draw_id, seq: r.seq, kind: r.kind, at: r.at.toISOString(), body: r.body, prevHash: r.prev_hash, hash: r.hash };
}

export async function auditLog(db: Pool | PoolClient, drawId: string): Promise<AuditLogEntry[]> {
  const { rows } = await db.query<AuditRow>(`SELECT draw_id, seq, kind, at, body, prev_hash, hash FROM draw_audit_log WHERE draw_id = $1 ORDER BY seq`, [drawId]);
  return rows.map(auditFromRow);
}

/**
 * Appends one entry at the end of the draw's chain. Call inside the transaction that holds the
 * draw row lock, so two writers cannot race for the same position (the table refuses forks).
 */
export async function appendAuditEntry(client: PoolClient, drawId: string, kind: string, body: unknown, at: Date): Promise<AuditLogEntry> {
  const { rows } = await client.query<{ seq: number; hash: string }>(`SELECT seq, hash FROM draw_audit_log WHERE draw_id = $1 ORDER BY seq DESC LIMIT 1`, [drawId]);
  const entry = nextAuditEntry(drawId, rows[0], kind, new Date(at.toISOString()), body);
  await client.query(`INSERT INTO draw_audit_log (draw_id, seq, kind, at, body, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    entry.drawId,
    entry.seq,
    entry.kind,
    entry.at,
    JSON.stringify(entry.body),
    entry.prevHash,
    entry.hash,
  ]);
  return entry;
}

// ---- frozen entries ----

const ENTRY_BATCH = 20_000;

/** Writes the frozen entries (pid order) of a draw in batches. */
export async function insertEntries(client: PoolClient, drawId: string, entries: FrozenEntries, memberIdAt: (i: number) => string): Promise<void> {
  for (let from = 0; from < entries.count; from += ENTRY_BATCH) {
    const to = Math.min(entries.count, from + ENTRY_BATCH);
    const idx: number[] = [];
    const pids: string[] = [];
    const members: string[] = [];
    const tickets: string[] = [];
    const starts: string[] = [];
    for (let i = from; i < to; i++) {
      idx.push(i);
      pids.push(`\\x${entries.pidHexAt(i)}`);
      members.push(memberIdAt(i));
      tickets.push(entries.weightAt(i).toString());
      starts.push(entries.startAt(i).toString());
    }
    await client.query(
      `INSERT INTO draw_entries (draw_id, idx, pid, member_id, tickets, start)
       SELECT $1, * FROM unnest($2::int[], $3::bytea[], $4::text[], $5::bigint[], $6::bigint[])`,
      [drawId, idx, pids, members, tickets, starts],
    );
  }
}

/** Rebuilds the frozen entries of a draw from its rows (the same bytes the commit was made from). */
export async function loadEntries(db: Pool | PoolClient, drawId: string, count: number, total: bigint): Promise<FrozenEntries> {
  const pids = Buffer.alloc(count * PID_BYTES);
  const starts = new BigUint64Array(count);
  for (let from = 0; from < count; from += ENTRY_BATCH) {
    const { rows } = await db.query<{ idx: number; pid: Buffer; start: string }>(
      `SELECT idx, pid, start::text AS start FROM draw_entries WHERE draw_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
      [drawId, from, from + ENTRY_BATCH],
    );
    for (const r of rows) {
      r.pid.copy(pids, r.idx * PID_BYTES);
      starts[r.idx] = BigInt(r.start);
    }
  }
  return new FrozenEntries(pids, starts, count, total);
}

export interface MemberEntry {
  idx: number;
  pid: string;
  tickets: string;
  start: string;
}

export async function memberEntry(db: Pool | PoolClient, drawId: string, memberId: string): Promise<MemberEntry | undefined> {
  const { rows } = await db.query<{ idx: number; pid: Buffer; tickets: string; start: string }>(
    `SELECT idx, pid, tickets::text AS tickets, start::text AS start FROM draw_entries WHERE draw_id = $1 AND member_id = $2`,
    [drawId, memberId],
  );
  const r = rows[0];
  return r ? { idx: r.idx, pid: r.pid.toString('hex'), tickets: r.tickets, start: r.start } : undefined;
}

export interface DrawWinner {
  slot: number;
  kind: 'prize' | 'reserve';
  prizeId: string | null;
  reserveRank: number | null;
  memberId: string;
  pid: string;
  ticket: string;
  counter: number;
}

export async function drawWinners(db: Pool | PoolClient, drawId: string): Promise<DrawWinner[]> {
  const { rows } = await db.query<{ slot: number; kind: 'prize' | 'reserve'; prize_id: string | null; reserve_rank: number | null; member_id: string; pid: Buffer; ticket: string; counter: number }>(
    `SELECT slot, kind, prize_id, reserve_rank, member_id, pid, ticket::text AS ticket, counter FROM draw_winners WHERE draw_id = $1 ORDER BY slot`,
    [drawId],
  );
  return rows.map((r) => ({ slot: r.slot, kind: r.kind, prizeId: r.prize_id, reserveRank: r.reserve_rank, memberId: r.member_id, pid: r.pid.toString('hex'), ticket: r.ticket, counter: r.counter }));
}
