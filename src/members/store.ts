import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { LaurelError, NotFoundError } from '../errors/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { requestWelcome } from '../messaging/store/send-records.js';
import { baseTier } from '../program/index.js';
import type { ProgramDefinition } from '../program/index.js';
import { attachReferral } from '../referrals/attach.js';
import { nextReviewAt } from '../tiers/index.js';
import type { Consent, Member, MemberInput } from './schema.js';

interface MemberRow {
  id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  locale: string;
  time_zone: string | null;
  attributes: Record<string, unknown>;
  consent: Member['consent'];
  tier_id: string;
  tier_started_at: Date;
  manual_tier_id: string | null;
  grace_until: Date | null;
  next_review_at: Date;
  joined_at: Date;
  birth_date: string | null;
  last_activity_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The member's own columns (members table); `last_activity_at` (migration 0052), `next_review_at`
 * (0075) and `grace_until` (0076) live on member_balances.
 */
const MEMBER_TABLE_COLUMNS = [
  'id', 'email', 'phone', 'first_name', 'locale', 'time_zone', 'attributes', 'consent', 'tier_id', 'tier_started_at',
  'manual_tier_id', 'joined_at', 'birth_date', 'created_at', 'updated_at',
] as const;

/** The member's columns kept on its balance row (member_balances), read with the member. */
const BALANCE_ROW_COLUMNS = ['last_activity_at', 'next_review_at', 'grace_until'] as const;

/** A balance-row column of the member row `m` (an alias of members), by a subquery. */
function balanceColumnSql(m: string, column: (typeof BALANCE_ROW_COLUMNS)[number]): string {
  return `(SELECT lb.${column} FROM member_balances lb WHERE lb.member_id = ${m}.id)`;
}

/** The last activity of the member row `m` (an alias of members), from its balance row. */
export function lastActivitySql(m: string): string {
  return balanceColumnSql(m, 'last_activity_at');
}

/**
 * A member's columns for `SELECT`/`RETURNING` with members aliased `m`; with `b` (a joined
 * member_balances alias) the last activity, the next review and the grace are read from it, else by subqueries.
 */
export function memberColumns(m: string, b?: string): string {
  return `${MEMBER_TABLE_COLUMNS.map((c) => `${m}.${c}`).join(', ')}, ${BALANCE_ROW_COLUMNS.map((c) => `${b ? `${b}.${c}` : balanceColumnSql(m, c)} AS ${c}`).join(', ')}`;
}

/** A member as one json object (inside a bigger statement), members aliased `m`; read with memberFromJson. */
export function memberJsonSql(m: string): string {
  return `json_build_object(${[...MEMBER_TABLE_COLUMNS.map((c) => `'${c}', ${m}.${c}`), ...BALANCE_ROW_COLUMNS.map((c) => `'${c}', ${balanceColumnSql(m, c)}`)].join(', ')})`;
}

const MEMBER_COLUMNS = memberColumns('members');

export function memberFromRow(row: MemberRow): Member {
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    locale: row.locale,
    timeZone: row.time_zone,
    attributes: row.attributes,
    consent: row.consent,
    tierId: row.tier_id,
    tierStartedAt: row.tier_started_at,
    manualTierId: row.manual_tier_id,
    graceUntil: row.grace_until,
    nextReviewAt: row.next_review_at,
    joinedAt: row.joined_at,
    birthDate: row.birth_date,
    lastActivityAt: row.last_activity_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type JsonDates<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** A member row read as json inside a bigger statement (timestamps arrive as ISO strings). */
export function memberFromJson(row: JsonDates<MemberRow>): Member {
  const at = (v: string) => new Date(v);
  const maybe = (v: string | null) => (v === null ? null : new Date(v));
  return memberFromRow({
    ...row,
    tier_started_at: at(row.tier_started_at),
    grace_until: maybe(row.grace_until),
    next_review_at: at(row.next_review_at),
    joined_at: at(row.joined_at),
    last_activity_at: maybe(row.last_activity_at),
    created_at: at(row.created_at),
    updated_at: at(row.updated_at),
  });
}

export async function findMember(db: Pool | PoolClient, id: string, lock = false): Promise<Member | undefined> {
  if (!lock) {
    const { rows } = await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members WHERE id = $1`, [id]);
    return rows[0] ? memberFromRow(rows[0]) : undefined;
  }
  // Locking takes the member row, then its balance row and bumps ledger_version there (creating the
  // row if it is missing): an optimistic event write guarded by the old value then retries, and
  // one that comes later waits for this transaction (the same order as every locker: member first).
  const { rows } = await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members WHERE id = $1 FOR UPDATE`, [id]);
  if (!rows[0]) return undefined;
  // The balance row's columns as of its lock (an event may have written them in between).
  return memberFromRow({ ...rows[0], ...(await lockLedger(db, id)) });
}

/**
 * Takes a member's balance row lock and bumps its ledger version (see findMember); the caller holds
 * the member row lock. Every member has a balance row (written with the member; migrations 0052 and
 * 0075 filled in older data): a member without one is an error, not a row made up here.
 */
export async function lockLedger(db: Pool | PoolClient, id: string): Promise<{ last_activity_at: Date | null; next_review_at: Date; grace_until: Date | null }> {
  const { rows } = await db.query<{ last_activity_at: Date | null; next_review_at: Date; grace_until: Date | null }>(
    `UPDATE member_balances SET ledger_version = ledger_version + 1 WHERE member_id = $1 RETURNING last_activity_at, next_review_at, grace_until`,
    [id],
  );
  if (!rows[0]) throw new Error(`member ${id} has no balance row`);
  return rows[0];
}

export async function getMember(db: Pool | PoolClient, id: string, lock = false): Promise<Member> {
  const member = await findMember(db, id, lock);
  if (!member) throw new NotFoundError('unknown_member', `member ${id} does not exist`, { memberId: id });
  return member;
}

/** Creates the member in the program's first tier, or updates the given fields. Audit logged. */
export async function upsertMember(
  pool: Pool,
  id: string,
  input: MemberInput,
  program: ProgramDefinition,
  actor: string,
): Promise<{ member: Member; created: boolean }> {
  return await withTransaction(pool, async (client) => {
    const before = await findMember(client, id, true);
    if (before) {
      const { rows: erased } = await client.query<{ erased: boolean }>(`SELECT erased_at IS NOT NULL AS erased FROM members WHERE id = $1`, [id]);
      if (erased[0]?.erased) throw new LaurelError('member_erased', `member ${id} was erased (data rights); its profile is not written again`, { status: 409, details: { memberId: id } });
    }
    const joinedAt = input.joinedAt ? new Date(input.joinedAt) : new Date();
    const { rows } = await client.query<MemberRow & { inserted: boolean }>(
      `INSERT INTO members (id, email, phone, first_name, locale, time_zone, attributes, consent, tier_id, joined_at, tier_started_at, birth_date)
       VALUES ($1, $2, $3, $4, coalesce($5, 'en'), $6, coalesce($7, '{}'::jsonb), coalesce($8, '{}'::jsonb), $9, $10, $10, $15)
       ON CONFLICT (id) DO UPDATE SET
         email      = CASE WHEN $11 THEN EXCLUDED.email ELSE members.email END,
         birth_date = CASE WHEN $16 THEN EXCLUDED.birth_date ELSE members.birth_date END,
         phone      = CASE WHEN $12 THEN EXCLUDED.phone ELSE members.phone END,
         first_name = CASE WHEN $13 THEN EXCLUDED.first_name ELSE members.first_name END,
         locale     = coalesce($5, members.locale),
         time_zone  = CASE WHEN $14 THEN EXCLUDED.time_zone ELSE members.time_zone END,
         attributes = coalesce($7, members.attributes),
         consent    = CASE WHEN $8::jsonb IS NULL THEN members.consent ELSE members.consent || $8::jsonb END,
         updated_at = now()
       RETURNING ${MEMBER_COLUMNS}, (xmax = 0) AS inserted`,
      [
        id,
        input.email ?? null,
        input.phone ?? null,
        input.firstName ?? null,
        input.locale ?? null,
        input.timeZone ?? null,
        input.attributes === undefined ? null : JSON.stringify(input.attributes),
        input.consent === undefined ? null : JSON.stringify(input.consent),
        baseTier(program).id,
        joinedAt,
        input.email !== undefined,
        input.phone !== undefined,
        input.firstName !== undefined,
        input.timeZone !== undefined,
        input.birthDate ?? null,
        input.birthDate !== undefined,
      ],
    );
    const row = rows[0]!;
    if (row.inserted) {
      // The member's balance row, with its first review (the RETURNING above ran before it existed).
      row.next_review_at = nextReviewAt(program, { joinedAt, tierStartedAt: joinedAt }, joinedAt);
      await client.query(`INSERT INTO member_balances (member_id, next_review_at) VALUES ($1, $2) ON CONFLICT (member_id) DO UPDATE SET next_review_at = EXCLUDED.next_review_at`, [id, row.next_review_at]);
    }
    // A code on an update is recorded as a rejected attempt (the referee already existed).
    const referral = input.referralCode === undefined ? null : await attachReferral(client, { refereeId: id, code: input.referralCode, created: row.inserted, program, now: row.updated_at });
    if (row.inserted) {
      // The welcome is written with the member: it exists exactly when the member does.
      await requestWelcome(client, { memberId: id, programName: program.name, balance: 0, channels: row.email ? ['email', 'inbox'] : ['inbox'] });
      await emitFacts(client, [memberFact('member.created', `member.created.${id}`, id, row.created_at, { tierId: row.tier_id, joinedAt: row.joined_at.toISOString(), locale: row.locale, ...(referral ? { referralCode: input.referralCode!.trim().toUpperCase(), referrerId: referral.referrerId } : {}) })]);
    }
    const member = memberFromRow(row);
    await appendAudit(client, { actor, action: row.inserted ? 'member.create' : 'member.update', subject: `member:${id}`, before: before ?? null, after: member });
    return { member, created: row.inserted };
  });
}

/**
 * Sets the given consent flags and keeps the others: `{sms: {marketing: false}}` changes SMS
 * marketing only (PUT /v1/members/:id merges per channel, this merges per flag). Audit logged.
 */
export async function updateConsent(pool: Pool, id: string, change: Consent, actor: string): Promise<Member> {
  return await withTransaction(pool, async (client) => {
    const before = await getMember(client, id, true);
    const consent: Consent = structuredClone(before.consent ?? {});
    for (const channel of ['email', 'sms', 'inbox'] as const) {
      const flags = change[channel];
      if (flags) consent[channel] = { ...(consent[channel] ?? {}), ...flags };
    }
    const { rows } = await client.query<MemberRow>(`UPDATE members SET consent = $2, updated_at = now() WHERE id = $1 RETURNING ${MEMBER_COLUMNS}`, [id, JSON.stringify(consent)]);
    const member = memberFromRow(rows[0]!);
    await appendAudit(client, { actor, action: 'member.consent', subject: `member:${id}`, before: { consent: before.consent }, after: { consent: member.consent } });
    return member;
  });
}

export interface MemberSearch {
  /** An e-mail address, an E.164 phone number, or the start of a member id. Empty: every member. */
  q?: string;
  limit: number;
  /** Keyset cursor: the last id of the previous page. */
  after?: string;
}

/** Members by id order, found through an index whatever the table's size (console search). */
export async function searchMembers(pool: Pool, search: MemberSearch): Promise<{ items: Member[]; nextAfter: string | null }> {
  const q = search.q?.trim() ?? '';
  const params: unknown[] = [search.limit + 1, search.after ?? null];
  let where = 'true';
  if (q.includes('@')) {
    params.push(q.toLowerCase());
    where = `lower(email) = $3 AND email IS NOT NULL`;
  } else if (/^\+\d+$/.test(q)) {
    params.push(q);
    where = `phone = $3`;
  } else if (q !== '') {
    params.push(`${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where = `id LIKE $3`;
  }
  const { rows } = await pool.query<MemberRow>(
    `SELECT ${MEMBER_COLUMNS} FROM members WHERE ${where} AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $1`,
    params,
  );
  const more = rows.length > search.limit;
  const items = rows.slice(0, search.limit).map(memberFromRow);
  return { items, nextAfter: more ? items[items.length - 1]!.id : null };
}
