import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { ConflictError, LaurelError, NotFoundError } from '../errors/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { idempotencyKeyReused, requestFingerprint } from '../idempotency/index.js';
import { lotFromRow, type LotRow } from '../ledger/lot-rows.js';
import { MemberLedger } from '../ledger/core/member-ledger.js';
import { inactivityExpiresAt } from '../ledger/core/expiry.js';
import { openMemberLedger, writeMemberLedger } from '../ledger/ledger-write.js';
import { getMember, type Member } from '../members/index.js';
import { bestRewardDiscount, recordRewardDiscountUse, returnRewardDiscountUse } from '../offers/reward-discounts.js';
import { currentProgram, type ProgramVersion } from '../program/store.js';
import { getReward, type Reward } from './catalog.js';

/*
 * Redemptions: a member spends points on a catalog reward. One transaction holds the member row
 * lock (the ledger), spends the points, and takes the units with one guarded UPDATE of the reward
 * row as its last statement, so stock is exact however many members redeem at once and the row
 * lock is held only until the commit. Cancelling gives the points back to the lots they came from.
 */

export type RedemptionStatus = 'completed' | 'requested' | 'fulfilled' | 'cancelled';

export interface Redemption {
  redemptionId: string;
  memberId: string;
  rewardId: string;
  rewardKind: Reward['kind'];
  quantity: number;
  /** The catalog price of the quantity, and what was spent (less when an offer discounted it). */
  listPoints: number;
  points: number;
  /** The reward_discount offer whose price applied, if one did. */
  offerId: string | null;
  status: RedemptionStatus;
  /** coupon_code rewards: the codes handed out. */
  codes: string[];
  /** material rewards: cancelled (points back) when still requested at this instant. */
  fulfilBy: string | null;
  createdAt: string;
  fulfilledAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
}

export interface RedemptionResult extends Redemption {
  balance: { available: number; pending: number };
  replayed: boolean;
}

interface RedemptionRow {
  id: string;
  member_id: string;
  reward_id: string;
  kind: Reward['kind'];
  quantity: number;
  list_points: number;
  points: number;
  status: RedemptionStatus;
  codes: string[] | null;
  fulfil_by: Date | null;
  request_fingerprint: string | null;
  created_at: Date;
  fulfilled_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  offer_id: string | null;
  grant_id: number | null;
  discounted_units: number | null;
}

const SELECT_REDEMPTION = `SELECT r.*, w.kind FROM reward_redemptions r JOIN rewards w ON w.id = r.reward_id`;

function view(r: RedemptionRow): Redemption {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    redemptionId: r.id,
    memberId: r.member_id,
    rewardId: r.reward_id,
    rewardKind: r.kind,
    quantity: r.quantity,
    listPoints: r.list_points,
    points: r.points,
    offerId: r.offer_id,
    status: r.status,
    codes: r.codes ?? [],
    fulfilBy: iso(r.fulfil_by),
    createdAt: r.created_at.toISOString(),
    fulfilledAt: iso(r.fulfilled_at),
    cancelledAt: iso(r.cancelled_at),
    cancelReason: r.cancel_reason,
  };
}

export function redemptionIdOf(memberId: string, key: string): string {
  return `red:${memberId}:${key}`;
}

async function findRow(db: Pool | PoolClient, id: string, lock = false): Promise<RedemptionRow | undefined> {
  const { rows } = await db.query<RedemptionRow>(`${SELECT_REDEMPTION} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`, [id]);
  return rows[0];
}

export async function getRedemption(db: Pool | PoolClient, id: string): Promise<Redemption> {
  const row = await findRow(db, id);
  if (!row) throw new NotFoundError('redemption_not_found', `no redemption ${id}`, { redemptionId: id });
  return view(row);
}

/** Newest first, keyset paged by (created_at, id) through `before` (a redemption id). */
export async function listRedemptions(
  db: Pool | PoolClient,
  filter: { memberId?: string | undefined; rewardId?: string | undefined; status?: RedemptionStatus | undefined; limit: number; before?: string | undefined },
): Promise<{ items: Redemption[]; next: string | null }> {
  const { rows } = await db.query<RedemptionRow>(
    `${SELECT_REDEMPTION}
      WHERE ($1::text IS NULL OR r.member_id = $1) AND ($2::text IS NULL OR r.reward_id = $2) AND ($3::text IS NULL OR r.status = $3)
        AND ($4::text IS NULL OR (r.created_at, r.id) < (SELECT created_at, id FROM reward_redemptions WHERE id = $4))
      ORDER BY r.created_at DESC, r.id DESC LIMIT $5`,
    [filter.memberId ?? null, filter.rewardId ?? null, filter.status ?? null, filter.before ?? null, filter.limit + 1],
  );
  const page = rows.slice(0, filter.limit);
  return { items: page.map(view), next: rows.length > filter.limit ? page[page.length - 1]!.id : null };
}

async function openLedger(client: PoolClient, program: ProgramVersion, memberId: string, source: string, extraLotIds: readonly string[] = []): Promise<MemberLedger> {
  const ledger = await openMemberLedger(client, { memberId, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source });
  if (extraLotIds.length === 0) return ledger;
  // Lots a cancellation gives back to may be exhausted (not among the open lots).
  const open = new Set(ledger.lotList().map((l) => l.id));
  const { rows } = await client.query<LotRow>(`SELECT * FROM lots WHERE member_id = $1 AND id = ANY($2::text[])`, [memberId, extraLotIds.filter((id) => !open.has(id))]);
  return MemberLedger.fromLots([...ledger.lotList(), ...rows.map(lotFromRow)], { memberId, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source });
}

function checkEligible(reward: Reward, member: Member, quantity: number, heldUnits: number): void {
  if (reward.status !== 'active') throw new ConflictError('reward_archived', `reward ${reward.id} is no longer in the catalog`, { rewardId: reward.id });
  if (reward.tiers && !reward.tiers.includes(member.tierId)) {
    throw new LaurelError('reward_tier_restricted', `reward ${reward.id} is for ${reward.tiers.join(', ')} members; ${member.id} is ${member.tierId}`, {
      status: 403,
      details: { rewardId: reward.id, tiers: reward.tiers, tierId: member.tierId },
    });
  }
  if (reward.available !== null && reward.available < quantity) throw outOfStock(reward, reward.available);
  if (reward.perMemberLimit !== null && heldUnits + quantity > reward.perMemberLimit) {
    throw new ConflictError('reward_limit_reached', `${member.id} may hold at most ${reward.perMemberLimit} of reward ${reward.id} and holds ${heldUnits}`, {
      rewardId: reward.id,
      limit: reward.perMemberLimit,
      held: heldUnits,
    });
  }
}

function outOfStock(reward: Reward, left: number): ConflictError {
  return new ConflictError('out_of_stock', `reward ${reward.id} has ${Math.max(left, 0)} units left`, { rewardId: reward.id, available: Math.max(left, 0) });
}

/**
 * Spends points on a reward: idempotent on (member, key) — the same key with another reward or
 * quantity is 409 `idempotency_key_reused`. 409 `insufficient_balance`, `out_of_stock`,
 * `reward_limit_reached`, `reward_archived`; 403 `reward_tier_restricted`; 404 `unknown_reward`.
 */
export async function redeemReward(
  pool: Pool,
  input: { memberId: string; rewardId: string; quantity: number; idempotencyKey: string; actor: string; now?: Date },
): Promise<RedemptionResult> {
  const id = redemptionIdOf(input.memberId, input.idempotencyKey);
  const fingerprint = requestFingerprint({ rewardId: input.rewardId, quantity: input.quantity });
  return await withTransaction(pool, async (client) => {
    const now = input.now ?? new Date();
    const member = await getMember(client, input.memberId, true);
    const previous = await findRow(client, id);
    if (previous) {
      // Redemptions stored before fingerprints compare by what they were for.
      const same = previous.request_fingerprint === null ? previous.reward_id === input.rewardId && previous.quantity === input.quantity : previous.request_fingerprint === fingerprint;
      if (!same) throw idempotencyKeyReused(input.idempotencyKey, 'redemption', { redemptionId: id });
      const balance = await client.query<{ available: number; pending: number }>(`SELECT available, pending FROM member_balances WHERE member_id = $1`, [input.memberId]);
      return { ...view(previous), balance: balance.rows[0] ?? { available: 0, pending: 0 }, replayed: true };
    }
    const reward = await getReward(client, input.rewardId);
    const { rows: held } = await client.query<{ units: number }>(
      `SELECT coalesce(sum(quantity), 0)::bigint AS units FROM reward_redemptions WHERE member_id = $1 AND reward_id = $2 AND status <> 'cancelled'`,
      [member.id, reward.id],
    );
    checkEligible(reward, member, input.quantity, held[0]!.units);

    const program = await currentProgram(client);
    const listPoints = reward.costPoints * input.quantity;
    // A held reward_discount offer lowers the price of as many units as it has uses left.
    const discount = await bestRewardDiscount(client, { memberId: member.id, rewardId: reward.id, listUnitPoints: reward.costPoints, quantity: input.quantity, now });
    const points = discount ? listPoints - discount.units * (reward.costPoints - discount.unitPoints) : listPoints;
    const ledger = await openLedger(client, program, member.id, 'api');
    ledger.prepare(now, `${id}:prepare`);
    try {
      ledger.spend('redeem', id, points, now, { rewardId: reward.id, actor: input.actor });
    } catch (err) {
      if (err instanceof LaurelError && err.code === 'insufficient_points') {
        throw new ConflictError('insufficient_balance', `${member.id} has too few points for ${input.quantity} × ${reward.id}: ${err.message.replace(/^insufficient points: /, '')}`, err.details);
      }
      throw err;
    }
    const balance = await writeMemberLedger(client, ledger, { lastActivityAt: now });
    if (discount) {
      // The redeem entry carries the offer and campaign, so the offer's cost is countable.
      await client.query(`UPDATE ledger_entries SET offer_id = $2, campaign_id = $3 WHERE idempotency_key = $1`, [id, discount.offerId, discount.campaignId]);
      await recordRewardDiscountUse(client, { discount, memberId: member.id, redemptionId: id, savedPoints: listPoints - points, now });
    }

    // The units last: the reward row stays locked only until the commit.
    const { rows: taken } = await client.query<{ stock: number | null; redeemed: number }>(
      `UPDATE rewards SET redeemed = redeemed + $2, updated_at = now() WHERE id = $1 AND status = 'active' AND (stock IS NULL OR redeemed + $2 <= stock) RETURNING stock, redeemed`,
      [reward.id, input.quantity],
    );
    if (!taken[0]) {
      const { rows } = await client.query<{ left: number }>(`SELECT coalesce(stock - redeemed, 0)::bigint AS left FROM rewards WHERE id = $1`, [reward.id]);
      throw outOfStock(reward, rows[0]?.left ?? 0);
    }
    let codes: string[] = [];
    if (reward.kind === 'coupon_code') {
      const { rows } = await client.query<{ code: string }>(
        `UPDATE reward_codes SET redemption_id = $2, assigned_at = $3
          WHERE (reward_id, code) IN (SELECT reward_id, code FROM reward_codes WHERE reward_id = $1 AND redemption_id IS NULL ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING code, seq`,
        [reward.id, id, now, input.quantity],
      );
      // The unit counter guarantees the codes exist; fewer means a code is held by a transaction that will roll back.
      if (rows.length < input.quantity) throw outOfStock(reward, rows.length);
      codes = rows.map((r) => r.code).sort();
    }
    const status: RedemptionStatus = reward.kind === 'material' ? 'requested' : 'completed';
    const fulfilBy = reward.kind === 'material' ? new Date(now.getTime() + reward.fulfilmentDays! * 86_400_000) : null;
    const { rows } = await client.query<RedemptionRow>(
      `INSERT INTO reward_redemptions (id, member_id, reward_id, quantity, list_points, points, status, codes, fulfil_by, request_fingerprint, actor, created_at, updated_at,
                                       offer_id, grant_id, discounted_units)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $14, $15, $16)
       RETURNING *, $13::text AS kind`,
      [
        id,
        member.id,
        reward.id,
        input.quantity,
        listPoints,
        points,
        status,
        codes.length > 0 ? codes : null,
        fulfilBy,
        fingerprint,
        input.actor,
        now,
        reward.kind,
        discount?.offerId ?? null,
        discount?.grantId ?? null,
        discount?.units ?? null,
      ],
    );
    await emitFacts(client, [
      memberFact('points.redeemed', `points.redeemed.${id}`, member.id, now, {
        rewardId: reward.id,
        quantity: input.quantity,
        points,
        redemptionId: id,
        balance: { available: balance.available, pending: balance.pending },
      }),
      // The redemption itself; never its coupon codes (a webhook payload is no place for a secret).
      memberFact('reward.redeemed', `reward.redeemed.${id}`, member.id, now, {
        rewardId: reward.id,
        redemptionId: id,
        points,
        quantity: input.quantity,
        status,
      }),
    ]);
    return { ...view(rows[0]!), balance: { available: balance.available, pending: balance.pending }, replayed: false };
  });
}

/** Material rewards: requested → fulfilled (idempotent). Audit logged. */
export async function fulfilRedemption(pool: Pool, input: { redemptionId: string; actor: string; note?: string | undefined; now?: Date }): Promise<Redemption> {
  return await withTransaction(pool, async (client) => {
    const row = await findRow(client, input.redemptionId, true);
    if (!row) throw new NotFoundError('redemption_not_found', `no redemption ${input.redemptionId}`, { redemptionId: input.redemptionId });
    if (row.status === 'fulfilled') return view(row);
    if (row.status !== 'requested') {
      throw new ConflictError('redemption_not_fulfillable', `redemption ${row.id} is ${row.status}; only requested (material) redemptions are fulfilled`, { redemptionId: row.id, status: row.status });
    }
    const { rows } = await client.query<RedemptionRow>(
      `UPDATE reward_redemptions SET status = 'fulfilled', fulfilled_at = $2, fulfilment_note = $3, updated_at = $2 WHERE id = $1 RETURNING *, $4::text AS kind`,
      [row.id, input.now ?? new Date(), input.note ?? null, row.kind],
    );
    await appendAudit(client, { actor: input.actor, action: 'redemption.fulfil', subject: `redemption:${row.id}`, before: { status: row.status }, after: { status: 'fulfilled', note: input.note ?? null } });
    return view(rows[0]!);
  });
}

/**
 * Cancels a redemption and gives its points back to the lots they were taken from, each with its
 * own expiry, in one entry keyed `cancel:<redemption id>` (a repeated cancel changes nothing).
 * Material and generic units go back to stock; handed-out codes do not (they were revealed).
 * A fulfilled redemption is not cancelled (409 `redemption_fulfilled`: adjust points instead).
 */
export async function cancelRedemption(
  pool: Pool,
  input: { redemptionId: string; actor: string; reason: string; now?: Date },
): Promise<Redemption & { balance: { available: number; pending: number }; replayed: boolean }> {
  const found = await findRow(pool, input.redemptionId);
  if (!found) throw new NotFoundError('redemption_not_found', `no redemption ${input.redemptionId}`, { redemptionId: input.redemptionId });
  return await withTransaction(pool, async (client) => {
    const now = input.now ?? new Date();
    const member = await getMember(client, found.member_id, true);
    const row = (await findRow(client, input.redemptionId, true))!;
    if (row.status === 'cancelled') {
      const balance = await client.query<{ available: number; pending: number }>(`SELECT available, pending FROM member_balances WHERE member_id = $1`, [row.member_id]);
      return { ...view(row), balance: balance.rows[0] ?? { available: 0, pending: 0 }, replayed: true };
    }
    if (row.status === 'fulfilled') {
      throw new ConflictError('redemption_fulfilled', `redemption ${row.id} was fulfilled; it cannot be cancelled (adjust the member's points instead)`, { redemptionId: row.id });
    }
    const { rows: taken } = await client.query<{ lot_id: string; points: number }>(
      `SELECT a.lot_id, -a.points AS points FROM ledger_entries e JOIN lot_allocations a ON a.entry_seq = e.seq
        WHERE e.idempotency_key = $1 AND e.member_id = $2 AND a.points < 0 ORDER BY a.lot_id`,
      [row.id, row.member_id],
    );
    const program = await currentProgram(client);
    const ledger = await openLedger(client, program, row.member_id, 'admin', taken.map((t) => t.lot_id));
    const key = `cancel:${row.id}`;
    ledger.prepare(now, `${key}:prepare`);
    // Under inactivity expiry what goes back after the member's deadline expires at once (the
    // cancellation is not the member's activity), as a lot past its own date does.
    const deadline = inactivityExpiresAt(program.definition.expiry, member.lastActivityAt ?? member.joinedAt, program.definition.timeZone);
    if (taken.length > 0) ledger.restore(key, taken.map((t) => ({ lotId: t.lot_id, points: t.points })), now, { rewardId: row.reward_id, actor: input.actor, reason: input.reason }, deadline);
    const balance = await writeMemberLedger(client, ledger);
    if (row.kind !== 'coupon_code') await client.query(`UPDATE rewards SET redeemed = redeemed - $2, updated_at = now() WHERE id = $1`, [row.reward_id, row.quantity]);
    if (row.grant_id !== null) await returnRewardDiscountUse(client, { grantId: row.grant_id, redemptionId: row.id, units: row.discounted_units ?? 0, now });
    const { rows } = await client.query<RedemptionRow>(
      `UPDATE reward_redemptions SET status = 'cancelled', cancelled_at = $2, cancelled_by = $3, cancel_reason = $4, cancel_entry_key = $5, updated_at = $2
        WHERE id = $1 RETURNING *, $6::text AS kind`,
      [row.id, now, input.actor, input.reason, taken.length > 0 ? key : null, row.kind],
    );
    await appendAudit(client, {
      actor: input.actor,
      action: 'redemption.cancel',
      subject: `redemption:${row.id}`,
      before: { status: row.status },
      after: { status: 'cancelled', reason: input.reason, points: row.points },
    });
    return { ...view(rows[0]!), balance: { available: balance.available, pending: balance.pending }, replayed: false };
  });
}

/**
 * Material redemptions still requested after their fulfilment deadline are cancelled, points back
 * (run by the daily points sweep before expiry, and by `laurel points expire`). Returns how many.
 */
export async function cancelOverdueRedemptions(pool: Pool, asOf: Date): Promise<number> {
  let cancelled = 0;
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM reward_redemptions WHERE status = 'requested' AND fulfil_by <= $1 ORDER BY fulfil_by, id LIMIT 500`, [asOf]);
    for (const r of rows) {
      const result = await cancelRedemption(pool, { redemptionId: r.id, actor: 'system', reason: 'not fulfilled in time', now: asOf });
      if (!result.replayed) cancelled += 1;
    }
    if (rows.length < 500) return cancelled;
  }
}
