import type { Pool, PoolClient } from '../db/index.js';
import type { Lot } from './core/index.js';

/** A lots row, from a query (dates) or from json inside a bigger read (ISO strings). */
export interface LotRow {
  id: string;
  member_id: string;
  kind: Lot['kind'];
  status: Lot['status'];
  earned_at: Date | string;
  expires_at: Date | string | null;
  pending_until: Date | string | null;
  original_points: number;
  remaining_points: number;
  order_id: string | null;
  order_amount: number | null;
  clawed_back_points: number;
  rule_id: string | null;
}

const date = (v: Date | string): Date => (typeof v === 'string' ? new Date(v) : v);

export function lotFromRow(r: LotRow): Lot {
  return {
    id: r.id,
    memberId: r.member_id,
    kind: r.kind,
    status: r.status,
    earnedAt: date(r.earned_at),
    expiresAt: r.expires_at === null ? null : date(r.expires_at),
    pendingUntil: r.pending_until === null ? null : date(r.pending_until),
    originalPoints: r.original_points,
    remainingPoints: r.remaining_points,
    orderId: r.order_id,
    orderAmount: r.order_amount,
    clawedBackPoints: r.clawed_back_points,
    ruleId: r.rule_id,
  };
}

/**
 * The member's open lots (points left, pending, or debt) plus every lot of `orderIds` (refunds
 * need exhausted lots of the order too). The member row is locked by the caller.
 */
export async function loadMemberLots(client: PoolClient, memberId: string, orderIds: readonly string[] = []): Promise<Lot[]> {
  return await selectLots(client, memberId, orderIds);
}

/** The same lots, for reading (summaries) outside any write transaction. */
export async function loadMemberLotsReadOnly(pool: Pool, memberId: string): Promise<Lot[]> {
  return await selectLots(pool, memberId, []);
}

/**
 * The lots a ledger opens with, for members `ids` (`$…` placeholders of the enclosing statement).
 * Three index lookups rather than one OR, which no index can serve (it was a scan of every lot of
 * every member, so each event slowed down as the table grew): the open lots (their partial index),
 * each member's debt lot (by its fixed id: a settled debt lot is still reused), and, only when a
 * refund names orders, every lot of those orders (refunds need exhausted lots too).
 */
export function openLotsSql(ids: string, orderIds: string): string {
  return `SELECT ${LOT_COLUMNS} FROM lots WHERE member_id = ANY(${ids}::text[]) AND (remaining_points <> 0 OR status = 'pending')
          UNION
          SELECT ${LOT_COLUMNS} FROM lots WHERE id = ANY(ARRAY(SELECT 'debt:' || m FROM unnest(${ids}::text[]) m))
          UNION
          SELECT ${LOT_COLUMNS} FROM lots
           WHERE cardinality(${orderIds}::text[]) > 0 AND member_id = ANY(${ids}::text[]) AND order_id = ANY(${orderIds}::text[])`;
}

const LOT_COLUMNS = `id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points,
                 order_id, order_amount, clawed_back_points, rule_id`;

/**
 * The lots an event decision may touch (`MemberState.lots`), for members `ids`: the debt lot of
 * each; the pending lots due by `now` (an earn activates them first); and, for the members in
 * `full` (they refund) or in debt (repayment may take from any spendable lot), every open lot, plus
 * every lot of the refunded `orderIds`. An earn never reads its member's other open lots, so its
 * read costs the same however many the member holds.
 */
export function eventLotsSql(ids: string, orderIds: string, full: string, now: string): string {
  return `SELECT ${LOT_COLUMNS} FROM lots WHERE id = ANY(ARRAY(SELECT 'debt:' || m FROM unnest(${ids}::text[]) m))
          UNION
          SELECT ${LOT_COLUMNS} FROM lots WHERE member_id = ANY(${ids}::text[]) AND status = 'pending' AND pending_until <= ${now}::timestamptz
          UNION
          SELECT ${LOT_COLUMNS} FROM lots
           WHERE member_id = ANY(ARRAY(SELECT unnest(${full}::text[])
                                       UNION SELECT substr(d.id, 6) FROM lots d WHERE d.id = ANY(ARRAY(SELECT 'debt:' || m FROM unnest(${ids}::text[]) m)) AND d.remaining_points < 0))
             AND (remaining_points <> 0 OR status = 'pending')
          UNION
          SELECT ${LOT_COLUMNS} FROM lots
           WHERE cardinality(${orderIds}::text[]) > 0 AND member_id = ANY(${full}::text[]) AND order_id = ANY(${orderIds}::text[])`;
}

async function selectLots(db: Pool | PoolClient, memberId: string, orderIds: readonly string[]): Promise<Lot[]> {
  const { rows } = await db.query<LotRow>(openLotsSql('$1', '$2'), [[memberId], orderIds]);
  return rows.map(lotFromRow);
}
