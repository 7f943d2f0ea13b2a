import type { Pool, PoolClient } from '../../db/index.js';
import { compileSegmentPredicate } from '../../segments/index.js';
import type { DrawDefinition, TicketFormula } from './definition.js';

/** The adjustment idempotency key under which a ticket purchase spends the member's points. */
export function ticketPurchaseAdjustmentKey(drawId: string, key: string): string {
  return `draw.${drawId}.${key}`;
}

/**
 * The raw ticket count of member `m` under a formula, as SQL over `members m`, with placeholders
 * $1 = draw id, $2 = window start, $3 = window end (the entry window).
 */
function rawTicketsSql(formula: TicketFormula): string {
  switch (formula.type) {
    case 'balance':
      return `(coalesce((SELECT b.available FROM member_balances b WHERE b.member_id = m.id), 0) / ${formula.pointsPerTicket})`;
    case 'points_earned':
      // Points earned in the window, net of reversals in it (a refund claws earned points back).
      return `(greatest(0, coalesce((SELECT sum(le.amount) FROM ledger_entries le
                 WHERE le.member_id = m.id AND le.kind IN ('earn', 'reverse') AND le.at >= $2 AND le.at < $3), 0)) / ${formula.pointsPerTicket})`;
    case 'purchases':
      return `((SELECT count(*) FROM events e WHERE e.member_id = m.id AND e.type = 'purchase' AND e.occurred_at >= $2 AND e.occurred_at < $3
                 AND NOT EXISTS (SELECT 1 FROM order_refunds r WHERE r.member_id = e.member_id AND r.order_id = e.order_id AND r.refunded_total >= coalesce(e.amount, 0)))
               * ${formula.ticketsPerPurchase})`;
    case 'bought':
      // Only purchases whose points adjustment committed count (the row is written before it).
      return `coalesce((SELECT sum(p.tickets) FROM draw_ticket_purchases p
                 JOIN idempotent_requests ir ON ir.scope = 'adjustment' AND ir.key = 'adjustment:' || p.member_id || ':draw.' || p.draw_id || '.' || p.idempotency_key
                WHERE p.draw_id = $1 AND p.member_id = m.id), 0)`;
  }
}

export interface TicketHolder {
  memberId: string;
  tickets: bigint;
}

/**
 * Eligible members with at least one ticket at the close, a keyset page at a time (member id
 * order; the freeze sorts by pid anyway). The segment is evaluated at the close instant.
 */
export async function* ticketHolders(db: Pool | PoolClient, drawId: string, definition: DrawDefinition, pageSize = 50_000): AsyncGenerator<TicketHolder[]> {
  const cap = definition.tickets.maxPerMember;
  const raw = rawTicketsSql(definition.tickets);
  const tickets = cap === undefined ? raw : `least(${raw}, ${cap})`;
  const closeAt = new Date(definition.entryEndsAt);
  const segment = definition.eligibility ? compileSegmentPredicate(definition.eligibility.segment, { now: closeAt, paramOffset: 5 }) : null;
  const where = segment ? segment.where : 'true';
  const sql = `SELECT id, tickets::text AS tickets FROM (
                 SELECT m.id, (${tickets})::bigint AS tickets FROM members m
                  WHERE $1::text IS NOT NULL AND $2::timestamptz <= $3::timestamptz AND m.id > $4 AND ${where} ORDER BY m.id LIMIT $5
               ) s`;
  let after = '';
  for (;;) {
    const { rows } = await db.query<{ id: string; tickets: string }>(
      `SELECT * FROM (${sql}) page`,
      [drawId, definition.entryStartsAt, definition.entryEndsAt, after, pageSize, ...(segment?.params ?? [])],
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const holders = rows.filter((r) => r.tickets !== '0' && !r.tickets.startsWith('-')).map((r) => ({ memberId: r.id, tickets: BigInt(r.tickets) }));
    if (holders.length > 0) yield holders;
    if (rows.length < pageSize) return;
  }
}
