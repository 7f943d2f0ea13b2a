import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Pool } from '../../db/index.js';
import { buildMemberProof, type DrandChain, type MemberProof } from '../../draws/index.js';
import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../../errors/index.js';
import { adjustPoints } from '../../ledger/index.js';
import { idempotencyKeyReused } from '../../idempotency/index.js';
import type { DrawDefinition } from './definition.js';
import { drawWorkflowId } from './definition.js';
import { createDraw, secretMatchesCommit } from './lifecycle.js';
import { getDraw, loadEntries, memberEntry, type DrawRecord } from './store.js';
import { ticketHolders, ticketPurchaseAdjustmentKey } from './tickets.js';

export interface DrawControlDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  chains: readonly DrandChain[];
}

/** Starts `draw:<id>` unless it exists (running or finished): a draw runs once. */
export async function ensureDrawWorkflow(deps: Pick<DrawControlDeps, 'temporal' | 'taskQueue'>, drawId: string): Promise<boolean> {
  try {
    await deps.temporal.workflow.start('drawWorkflow', { workflowId: drawWorkflowId(drawId), taskQueue: deps.taskQueue, args: [], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/** Defines a draw and starts its workflow. A second draw with the same id is refused (409 draw_exists). */
export async function defineDraw(deps: DrawControlDeps, definition: DrawDefinition, actor: string, now = new Date()): Promise<DrawRecord> {
  let draw: DrawRecord;
  try {
    draw = await createDraw(deps.pool, definition, actor, deps.chains, now);
  } catch (err) {
    // A retried request whose first attempt stored the draw but died before starting it.
    if (err instanceof LaurelError && err.code === 'draw_exists') await ensureDrawWorkflow(deps, definition.id);
    throw err;
  }
  await ensureDrawWorkflow(deps, definition.id);
  return draw;
}

async function countTicketHolders(pool: Pool, draw: DrawRecord): Promise<number> {
  let n = 0;
  for await (const page of ticketHolders(pool, draw.id, draw.definition)) n += page.length;
  return n;
}

/** Ends the entry window now. 422 `draw_no_entries` (nothing changed) when nobody holds a ticket. */
export async function closeDrawEntries(deps: DrawControlDeps, drawId: string): Promise<{ entries: number }> {
  const draw = await getDraw(deps.pool, drawId);
  if (draw.status !== 'open') throw new ConflictError('draw_not_open', `draw ${drawId} is ${draw.status}; its entries are already frozen`, { drawId, drawStatus: draw.status });
  const entries = await countTicketHolders(deps.pool, draw);
  if (entries === 0) throw new LaurelError('draw_no_entries', `draw ${drawId} has no eligible member with a ticket; nothing was closed`, { status: 422, details: { drawId } });
  await deps.temporal.workflow.getHandle(drawWorkflowId(drawId)).signal('closeDrawEntries');
  return { entries };
}

/** Reveals the operator secret s. 422 `secret_mismatch` (nothing changed) when H(s) differs from the commit. */
export async function revealDrawSecret(deps: DrawControlDeps, drawId: string, secretHex: string): Promise<void> {
  const draw = await getDraw(deps.pool, drawId);
  if (draw.status === 'open' || !draw.commit) throw new ConflictError('draw_not_frozen', `draw ${drawId} is not committed yet: reveal the secret after the commit`, { drawId, drawStatus: draw.status });
  if (draw.status !== 'frozen') throw new ConflictError('draw_already_drawn', `draw ${drawId} is ${draw.status}; it runs once`, { drawId, drawStatus: draw.status });
  if (!secretMatchesCommit(draw.commit, secretHex)) {
    throw new LaurelError('secret_mismatch', `the revealed secret does not hash to the committed H(s) ${draw.commit.randomness.secret_commitment ?? ''}`, { status: 422, details: { drawId } });
  }
  await deps.temporal.workflow.getHandle(drawWorkflowId(drawId)).signal('revealDrawSecret', secretHex);
}

/** Buys tickets with points (formula `bought`), idempotent on the key. */
export async function buyDrawTickets(pool: Pool, input: { drawId: string; memberId: string; quantity: number; idempotencyKey: string; actor: string; now?: Date }): Promise<{ tickets: number; points: number; replayed: boolean }> {
  const now = input.now ?? new Date();
  const draw = await getDraw(pool, input.drawId);
  const formula = draw.definition.tickets;
  // Well formed, but this draw sells none: 422.
  if (formula.type !== 'bought') throw new ValidationError('draw_tickets_not_for_sale', `draw ${draw.id} gives tickets by ${formula.type}; they cannot be bought`, { drawId: draw.id }, 422);
  if (draw.status !== 'open' || now < draw.entryStartsAt || now >= draw.entryEndsAt) {
    throw new ConflictError('draw_not_open', `draw ${draw.id} is not taking entries now`, { drawId: draw.id });
  }
  // Before the purchase row (its member must exist): an unknown member is a 404, not a refused foreign key.
  const { rowCount: known } = await pool.query(`SELECT 1 FROM members WHERE id = $1`, [input.memberId]);
  if (!known) throw new NotFoundError('unknown_member', `member ${input.memberId} does not exist`, { memberId: input.memberId });
  const points = input.quantity * formula.pointsPerTicket;
  const { rows: same } = await pool.query<{ tickets: number }>(
    `SELECT tickets FROM draw_ticket_purchases WHERE draw_id = $1 AND member_id = $2 AND idempotency_key = $3`,
    [draw.id, input.memberId, input.idempotencyKey],
  );
  // The same key for another quantity is a conflict, and must not touch the purchase it names.
  if (same[0] && Number(same[0].tickets) !== input.quantity) throw idempotencyKeyReused(input.idempotencyKey, 'ticket purchase', { drawId: draw.id });
  const { rows } = await pool.query<{ held: string }>(
    `SELECT coalesce(sum(tickets), 0)::text AS held FROM draw_ticket_purchases WHERE draw_id = $1 AND member_id = $2 AND idempotency_key <> $3`,
    [draw.id, input.memberId, input.idempotencyKey],
  );
  if (formula.maxPerMember !== undefined && Number(rows[0]?.held ?? 0) + input.quantity > formula.maxPerMember) {
    throw new ConflictError('draw_ticket_cap', `at most ${formula.maxPerMember} tickets per member in draw ${draw.id}`, { drawId: draw.id });
  }
  // The row first, then the spend: the freeze counts a row only once its adjustment exists.
  await pool.query(
    `INSERT INTO draw_ticket_purchases (draw_id, member_id, idempotency_key, tickets, points) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [draw.id, input.memberId, input.idempotencyKey, input.quantity, points],
  );
  try {
    const result = await adjustPoints(pool, {
      memberId: input.memberId,
      points: -points,
      reason: `${draw.name}: ${input.quantity} ticket(s)`,
      idempotencyKey: ticketPurchaseAdjustmentKey(draw.id, input.idempotencyKey),
      actor: input.actor,
      now,
    });
    return { tickets: input.quantity, points, replayed: result.replayed };
  } catch (err) {
    await pool.query(`DELETE FROM draw_ticket_purchases WHERE draw_id = $1 AND member_id = $2 AND idempotency_key = $3`, [draw.id, input.memberId, input.idempotencyKey]);
    throw err;
  }
}

export interface MemberDrawEntry {
  drawId: string;
  pid: string;
  tickets: string;
  block: { start: string; end: string };
  proof: MemberProof;
}

/** The member's frozen entry and its Merkle inclusion proof against the committed root. */
export async function memberDrawEntry(pool: Pool, drawId: string, memberId: string): Promise<MemberDrawEntry> {
  const draw = await getDraw(pool, drawId);
  if (!draw.commit) throw new ConflictError('draw_not_frozen', `draw ${drawId} has not frozen its entries yet`, { drawId });
  const entry = await memberEntry(pool, drawId, memberId);
  if (!entry) throw new NotFoundError('draw_entry_not_found', `member ${memberId} has no entry in draw ${drawId}`, { drawId, memberId });
  const entries = await loadEntries(pool, drawId, draw.commit.entries.n, BigInt(draw.commit.entries.t));
  return {
    drawId,
    pid: entry.pid,
    tickets: entry.tickets,
    block: { start: entry.start, end: (BigInt(entry.start) + BigInt(entry.tickets)).toString() },
    proof: buildMemberProof(draw.commit, entries, entry.idx),
  };
}
