import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { lockLedger } from './store.js';

/*
 * Member data rights: everything Laurel holds about a member, as one JSON document (access), and
 * erasure: personal data removed, the records the ledger, reports and published draws rest on kept
 * under the member's id (the brand's own key, which Laurel cannot resolve to a person once the
 * profile is gone), and nothing sent to the member again.
 */

/** Tables that hold a member's rows (a `member_id` column), found in the schema: a table added later is exported too. */
async function memberTables(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND c.column_name = 'member_id' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name`,
  );
  return rows.map((r) => r.table_name);
}

const FETCH = 500;

/**
 * The export, streamed as JSON from one consistent snapshot (a read-only repeatable-read
 * transaction, rows fetched through cursors 500 at a time, so a long history costs no memory):
 * `{ memberId, exportedAt, member, referrals, journeySteps, auditLog, tables: { <table>: [rows...] } }`.
 * Checked and audit logged (who read it, when) before the first byte; rows come as the caller reads.
 */
export async function exportMember(pool: Pool, memberId: string, actor: string): Promise<AsyncGenerator<string>> {
  const { rowCount } = await pool.query(`SELECT 1 FROM members WHERE id = $1`, [memberId]);
  if (!rowCount) throw new NotFoundError('unknown_member', `member ${memberId} does not exist`, { memberId });
  await appendAudit(pool, { actor, action: 'member.export', subject: `member:${memberId}` });
  const tables = await memberTables(pool);
  return exportDocument(pool, memberId, tables);
}

async function* exportDocument(pool: Pool, memberId: string, tables: string[]): AsyncGenerator<string> {
  const client = await pool.connect();
  /** The rows of one query as JSON array items, fetched through a cursor. */
  async function* rowsOf(sql: string): AsyncGenerator<string> {
    await client.query(`DECLARE export_cursor NO SCROLL CURSOR FOR ${sql}`, [memberId]);
    let n = 0;
    for (;;) {
      const { rows } = await client.query<{ row: unknown }>(`FETCH ${FETCH} FROM export_cursor`);
      for (const { row } of rows) yield `${n++ === 0 ? '' : ','}${JSON.stringify(row)}`;
      if (rows.length < FETCH) break;
    }
    await client.query('CLOSE export_cursor');
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const member = await client.query<{ row: unknown }>(`SELECT row_to_json(m) AS row FROM members m WHERE m.id = $1`, [memberId]);
    yield `{"memberId":${JSON.stringify(memberId)},"exportedAt":${JSON.stringify(new Date().toISOString())},"member":${JSON.stringify(member.rows[0]?.row ?? null)}`;
    const sections: [string, string][] = [
      ['referrals', `SELECT row_to_json(r) AS row FROM referrals r WHERE r.referrer_id = $1 OR r.referee_id = $1 ORDER BY r.created_at`],
      ['journeySteps', `SELECT row_to_json(s) AS row FROM journey_steps s JOIN journey_entries e ON e.workflow_id = s.workflow_id WHERE e.member_id = $1 ORDER BY s.at`],
      ['auditLog', `SELECT row_to_json(a) AS row FROM audit_log a WHERE a.subject = 'member:' || $1 ORDER BY a.id`],
    ];
    for (const [name, sql] of sections) {
      yield `,${JSON.stringify(name)}:[`;
      yield* rowsOf(sql);
      yield ']';
    }
    yield ',"tables":{';
    for (const [i, table] of tables.entries()) {
      yield `${i === 0 ? '' : ','}${JSON.stringify(table)}:[`;
      yield* rowsOf(`SELECT row_to_json(x) AS row FROM ${quoteIdent(table)} x WHERE x.member_id = $1`);
      yield ']';
    }
    yield '}}';
    await client.query('COMMIT');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Personal fields of member snapshots (audit log before/after): dropped on erasure. */
const PERSONAL_KEYS = ['email', 'phone', 'firstName', 'attributes', 'consent', 'birthDate', 'timeZone', 'first_name', 'birth_date', 'time_zone'];

export interface ErasureResult {
  memberId: string;
  erasedAt: string;
  alreadyErased: boolean;
  /** Messages not yet sent that will not be. */
  messagesCancelled: number;
}

/**
 * Erases a member (admin; audit logged; idempotent). In one transaction: the profile's personal
 * fields (e-mail, phone, name, birth date, time zone, attributes, consent) are cleared and the
 * member marked erased; messages not sent yet are cancelled and every message's address, content
 * and variables removed; inbox items, the member's suppression entries (their addresses) and the
 * referral code are deleted; event properties (free-form, possibly personal) are emptied; running
 * journeys end; member snapshots in the audit log lose their personal fields (the one change the
 * append-only log accepts, inside this transaction). Ledger entries, lots, balances, tier changes,
 * awards, draws (entries are pseudonymous pids already), offers and reports stay as they are, so
 * totals and published draw records still add up. Delivery refuses an erased member's messages
 * (status suppressed, `member_erased`), and journeys, referrals and the date sweep skip them.
 */
export async function eraseMember(pool: Pool, memberId: string, actor: string, now = new Date()): Promise<ErasureResult> {
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ erased_at: Date | null }>(`SELECT erased_at FROM members WHERE id = $1 FOR UPDATE`, [memberId]);
    const member = rows[0];
    if (!member) throw new NotFoundError('unknown_member', `member ${memberId} does not exist`, { memberId });
    await lockLedger(client, memberId);
    if (member.erased_at) return { memberId, erasedAt: member.erased_at.toISOString(), alreadyErased: true, messagesCancelled: 0 };
    await client.query(
      `UPDATE members SET email = NULL, phone = NULL, first_name = NULL, birth_date = NULL, time_zone = NULL, attributes = '{}', consent = '{}',
              erased_at = $2, updated_at = $2 WHERE id = $1`,
      [memberId, now],
    );
    const cancelled = await client.query(
      `UPDATE messages SET status = 'suppressed', error = 'member_erased: the member was erased before it was sent', updated_at = $2
        WHERE member_id = $1 AND status IN ('queued', 'held', 'failed', 'unknown')`,
      [memberId, now],
    );
    await client.query(`UPDATE messages SET recipient = NULL, subject = NULL, body_text = NULL, body_html = NULL, vars = NULL, headers = NULL WHERE member_id = $1`, [memberId]);
    await client.query(`DELETE FROM inbox_items WHERE member_id = $1`, [memberId]);
    await client.query(`DELETE FROM suppressions WHERE member_id = $1`, [memberId]);
    await client.query(`DELETE FROM referral_codes WHERE member_id = $1`, [memberId]);
    await client.query(`UPDATE events SET properties = '{}' WHERE member_id = $1 AND properties <> '{}'`, [memberId]);
    await client.query(
      `UPDATE journey_entries SET context = '{}', status = CASE WHEN status = 'active' THEN 'exited' ELSE status END,
              outcome_reason = CASE WHEN status = 'active' THEN 'member erased' ELSE outcome_reason END,
              ended_at = coalesce(ended_at, $2)
        WHERE member_id = $1`,
      [memberId, now],
    );
    // The audit log is append-only; its trigger lets this transaction, and only for this member's
    // entries, replace member snapshots with copies without their personal fields.
    await client.query(`SELECT set_config('laurel.erasing_subject', $1, true)`, [`member:${memberId}`]);
    await client.query(
      `UPDATE audit_log SET before = CASE WHEN jsonb_typeof(before) = 'object' THEN (before - $2::text[]) || '{"erased": true}' ELSE before END,
                            after = CASE WHEN jsonb_typeof(after) = 'object' THEN (after - $2::text[]) || '{"erased": true}' ELSE after END
        WHERE subject = $1 AND (before ?| $2::text[] OR after ?| $2::text[])`,
      [`member:${memberId}`, PERSONAL_KEYS],
    );
    await client.query(`SELECT set_config('laurel.erasing_subject', '', true)`);
    await appendAudit(client, { actor, action: 'member.erase', subject: `member:${memberId}`, after: { erasedAt: now.toISOString(), messagesCancelled: cancelled.rowCount ?? 0 } });
    await emitFacts(client, [memberFact('member.erased', `member.erased.${memberId}`, memberId, now, { erasedAt: now.toISOString() })]);
    return { memberId, erasedAt: now.toISOString(), alreadyErased: false, messagesCancelled: cancelled.rowCount ?? 0 };
  });
}
