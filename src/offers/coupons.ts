import { appendAudit } from '../audit/index.js';
import { withTransaction, type Pool } from '../db/index.js';
import { ConflictError, LaurelError, NotFoundError } from '../errors/index.js';
import { idempotencyKeyReused, requestFingerprint } from '../idempotency/index.js';
import type { CouponDiscount, OfferDefinition } from './definition.js';
import { getOffer } from './store.js';

/*
 * Personal coupons at checkout: the brand's backend redeems a member's code for an order. The
 * redemption is idempotent on (code, order id): the same order again returns the original answer;
 * the same order with another member or amount is 409 `idempotency_key_reused`. Each use is an
 * offer_uses row: a conversion of the campaign that granted it, with the order's revenue.
 */

export interface CouponRedemption {
  code: string;
  offerId: string;
  campaignId: string | null;
  memberId: string;
  orderId: string;
  amount: number | null;
  discount: CouponDiscount & { discountAmount: number | null };
  usesLeft: number | null;
  redeemedAt: string;
  replayed: boolean;
}

interface CodeRow {
  code: string;
  grant_id: number;
  offer_id: string;
  member_id: string;
  campaign_id: string | null;
  expires_at: Date | null;
  max_uses: number | null;
  uses: number;
  revoked_at: Date | null;
  status: string;
  valid_from: Date;
  valid_until: Date | null;
  definition: OfferDefinition;
}

/** What the checkout takes off an order of `amount` (null when the discount is not money). */
export function discountAmount(discount: CouponDiscount, amount: number | null): number | null {
  if (amount === null) return null;
  if (discount.type === 'amount') return Math.min(discount.amount, amount);
  if (discount.type === 'percent') {
    const off = Number((BigInt(amount) * BigInt(discount.percent)) / 100n);
    return discount.maxAmount === undefined ? off : Math.min(off, discount.maxAmount);
  }
  return null;
}

function gone(code: string, reason: string, status: number, codeName: string, details: Record<string, unknown> = {}): LaurelError {
  return new LaurelError(codeName, `coupon ${code} ${reason}`, { status, details: { couponCode: code, ...details } });
}

/**
 * Redeems a personal coupon for an order. 404 `coupon_not_found`, 403 `coupon_not_owned` (another
 * member's code), 409 `coupon_used` (no use left), 410 `coupon_expired`, 410 `coupon_revoked`
 * (offer archived or campaign cancelled), 409 `coupon_not_yet_valid`, 422 `order_below_minimum`.
 */
export async function redeemCoupon(
  pool: Pool,
  input: { code: string; memberId: string; orderId: string; amount?: number | undefined; now?: Date },
): Promise<CouponRedemption> {
  const fingerprint = requestFingerprint({ memberId: input.memberId, amount: input.amount ?? null });
  return await withTransaction(pool, async (client) => {
    const now = input.now ?? new Date();
    // The grant row lock serializes the uses of one coupon.
    const { rows } = await client.query<CodeRow>(
      `SELECT c.code, c.grant_id, c.offer_id, g.member_id, g.campaign_id, g.expires_at, g.max_uses, g.uses, g.revoked_at,
              o.status, o.valid_from, o.valid_until, o.definition
         FROM offer_codes c JOIN offers o ON o.id = c.offer_id JOIN offer_grants g ON g.id = c.grant_id
        WHERE c.code = $1
        FOR UPDATE OF g`,
      [input.code],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('coupon_not_found', `no coupon ${input.code}`, { couponCode: input.code });
    if (row.member_id !== input.memberId) throw gone(input.code, 'belongs to another member', 403, 'coupon_not_owned');
    const d = row.definition;
    if (d.kind !== 'coupon') throw new NotFoundError('coupon_not_found', `no coupon ${input.code}`, { couponCode: input.code });
    const { rows: previous } = await client.query<{ fingerprint: string | null; amount: number | null; at: Date }>(
      `SELECT fingerprint, amount, at FROM offer_uses WHERE grant_id = $1 AND ref = $2 AND cancelled_at IS NULL`,
      [row.grant_id, input.orderId],
    );
    const usesLeft = (uses: number) => (row.max_uses === null ? null : row.max_uses - uses);
    const answer = (amount: number | null, at: Date, uses: number, replayed: boolean): CouponRedemption => ({
      code: row.code,
      offerId: row.offer_id,
      campaignId: row.campaign_id,
      memberId: input.memberId,
      orderId: input.orderId,
      amount,
      discount: { ...d.coupon.discount, discountAmount: discountAmount(d.coupon.discount, amount) },
      usesLeft: usesLeft(uses),
      redeemedAt: at.toISOString(),
      replayed,
    });
    if (previous[0]) {
      if (previous[0].fingerprint !== fingerprint) throw idempotencyKeyReused(input.orderId, 'coupon redemption (another member or amount for this order)', { couponCode: input.code });
      return answer(previous[0].amount, previous[0].at, row.uses, true);
    }
    if (row.status !== 'active' || row.revoked_at !== null) throw gone(input.code, row.status !== 'active' ? 'belongs to an archived offer' : 'was revoked (its campaign was cancelled)', 410, 'coupon_revoked');
    if (now.getTime() < row.valid_from.getTime()) throw gone(input.code, `is valid from ${row.valid_from.toISOString()}`, 409, 'coupon_not_yet_valid', { validFrom: row.valid_from.toISOString() });
    if (row.max_uses !== null && row.uses >= row.max_uses) throw gone(input.code, `was used ${row.uses} time${row.uses === 1 ? '' : 's'}; it allows ${row.max_uses}`, 409, 'coupon_used');
    const ends = [row.expires_at, row.valid_until].filter((t): t is Date => t !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    if (ends && now.getTime() >= ends.getTime()) throw gone(input.code, `expired at ${ends.toISOString()}`, 410, 'coupon_expired', { expiredAt: ends.toISOString() });
    const minimum = d.coupon.minOrderAmount;
    if (minimum !== undefined && (input.amount === undefined || input.amount < minimum)) {
      throw gone(input.code, `needs an order of at least ${minimum}${input.amount === undefined ? ' (send the order amount)' : `; this one is ${input.amount}`}`, 422, 'order_below_minimum', {
        minOrderAmount: minimum,
      });
    }
    await client.query(
      `INSERT INTO offer_uses (grant_id, offer_id, member_id, campaign_id, kind, ref, order_id, amount, fingerprint, at)
       VALUES ($1, $2, $3, $4, 'coupon', $5, $5, $6, $7, $8)`,
      [row.grant_id, row.offer_id, input.memberId, row.campaign_id, input.orderId, input.amount ?? null, fingerprint, now],
    );
    await client.query(
      `UPDATE offer_grants SET uses = uses + 1, revenue = revenue + coalesce($2, 0), first_used_at = coalesce(first_used_at, $3), last_used_at = $3 WHERE id = $1`,
      [row.grant_id, input.amount ?? null, now],
    );
    return answer(input.amount ?? null, now, row.uses + 1, false);
  });
}

/**
 * Adds codes to an offer's pool (source pool). A code that any offer holds already is refused
 * (409 `code_in_use`, nothing written) unless it is in this offer's pool, where it is skipped.
 */
export async function importOfferCodes(pool: Pool, input: { offerId: string; codes: readonly string[]; actor: string }): Promise<{ added: number; skipped: number; free: number }> {
  return await withTransaction(pool, async (client) => {
    const offer = await getOffer(client, input.offerId);
    const d = offer.definition;
    if (d.kind !== 'coupon' || d.coupon.codes.source !== 'pool') {
      throw new ConflictError('offer_has_no_pool', `offer ${offer.id} does not take codes from a pool (coupon.codes.source must be pool)`, { offerId: offer.id });
    }
    if (offer.status === 'archived') throw new ConflictError('offer_archived', `offer ${offer.id} is archived`, { offerId: offer.id });
    const { rows: taken } = await client.query<{ code: string; offer_id: string }>(`SELECT code, offer_id FROM offer_codes WHERE code = ANY($1::text[]) AND offer_id <> $2 LIMIT 5`, [
      input.codes,
      offer.id,
    ]);
    if (taken.length > 0) {
      throw new ConflictError('code_in_use', `code ${taken[0]!.code} belongs to offer ${taken[0]!.offer_id}; a code names one coupon`, { codes: taken.map((t) => t.code) });
    }
    const { rows } = await client.query<{ added: number }>(
      `WITH added AS (
         INSERT INTO offer_codes (code, offer_id, source) SELECT c, $2, 'imported' FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i) ORDER BY i
         ON CONFLICT (code) DO NOTHING RETURNING 1
       ) SELECT count(*)::int AS added FROM added`,
      [input.codes, offer.id],
    );
    const { rows: free } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM offer_codes WHERE offer_id = $1 AND grant_id IS NULL`, [offer.id]);
    await appendAudit(client, { actor: input.actor, action: 'offer.codes.import', subject: `offer:${offer.id}`, after: { added: rows[0]!.added, skipped: input.codes.length - rows[0]!.added } });
    return { added: rows[0]!.added, skipped: input.codes.length - rows[0]!.added, free: free[0]!.n };
  });
}
