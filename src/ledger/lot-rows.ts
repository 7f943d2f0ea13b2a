import type { Pool, PoolClient } from '../db/index.js';
import type { Lot } from './core/index.js';

interface LotRow {
  id: string;
  member_id: string;
  kind: Lot['kind'];
  status: Lot['status'];
  earned_at: Date;
  expires_at: Date | null;
  pending_until: Date | null;
  original_points: number;
  remaining_points: number;
  order_id: string | null;
  order_amount: number | null;
  clawed_back_points: number;
  rule_id: string | null;
}

function lotFromRow(r: LotRow): Lot {
  return {
    id: r.id,
    memberId: r.member_id,
    kind: r.kind,
    status: r.status,
    earnedAt: r.earned_at,
    expiresAt: r.expires_at,
    pendingUntil: r.pending_until,
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

async function selectLots(db: Pool | PoolClient, memberId: string, orderIds: readonly string[]): Promise<Lot[]> {
  const { rows } = await db.query<LotRow>(
    `SELECT id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points,
            order_id, order_amount, clawed_back_points, rule_id
       FROM lots
      WHERE member_id = $1 AND (remaining_points <> 0 OR status = 'pending' OR kind = 'debt' OR order_id = ANY($2::text[]))`,
    [memberId, orderIds],
  );
  return rows.map(lotFromRow);
}

/** Inserts new lots and rewrites changed ones in two statements. */
export async function saveLots(client: PoolClient, created: readonly Lot[], changed: readonly Lot[]): Promise<void> {
  if (created.length > 0) {
    await client.query(
      `INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points,
                         order_id, order_amount, clawed_back_points, rule_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[],
                            $8::bigint[], $9::bigint[], $10::text[], $11::bigint[], $12::bigint[], $13::text[])`,
      [
        created.map((l) => l.id),
        created.map((l) => l.memberId),
        created.map((l) => l.kind),
        created.map((l) => l.status),
        created.map((l) => l.earnedAt),
        created.map((l) => l.expiresAt),
        created.map((l) => l.pendingUntil),
        created.map((l) => l.originalPoints),
        created.map((l) => l.remainingPoints),
        created.map((l) => l.orderId),
        created.map((l) => l.orderAmount),
        created.map((l) => l.clawedBackPoints),
        created.map((l) => l.ruleId),
      ],
    );
  }
  if (changed.length > 0) {
    await client.query(
      `UPDATE lots SET status = u.status, remaining_points = u.remaining, clawed_back_points = u.clawed
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(id, status, remaining, clawed)
        WHERE lots.id = u.id`,
      [changed.map((l) => l.id), changed.map((l) => l.status), changed.map((l) => l.remainingPoints), changed.map((l) => l.clawedBackPoints)],
    );
  }
}
