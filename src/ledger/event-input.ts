import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MemberIdSchema } from '../members/index.js';
import { ValidationError } from '../errors/index.js';

// Money in integer minor units: positive, and far below 2^53 so sums stay exact.
const MAX_AMOUNT = 1_000_000_000_000_000;

const ItemText = z.string().min(1).max(200);
/** A purchase line (sku, quantity, unitPrice; name, category, brand, discount optional) or a refunded one (sku, quantity; `line` picks among lines of one SKU). */
export const ItemInputSchema = z.strictObject({
  sku: z.string().min(1).max(128),
  name: ItemText.optional(),
  category: z.string().min(1).max(128).optional(),
  brand: z.string().min(1).max(128).optional(),
  quantity: z.int('expected a whole quantity').min(1, 'expected a quantity of at least 1').max(1_000_000),
  unitPrice: z.int('expected an integer unit price in minor units').min(0, 'expected a unit price of at least 0').max(MAX_AMOUNT).optional(),
  discount: z.int('expected an integer discount in minor units').min(0).max(MAX_AMOUNT).optional(),
  line: z.int().min(0).max(10_000).optional(),
});
export const MAX_ITEMS = 500;

export const EventInputSchema = z
  .strictObject({
    memberId: MemberIdSchema,
    type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a lowercase event type such as purchase'),
    idempotencyKey: z.string().min(1).max(200).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    amount: z.int('expected an integer amount in minor units').positive('expected a positive amount').max(MAX_AMOUNT, `expected at most ${MAX_AMOUNT}`).optional(),
    orderId: z.string().min(1).max(128).optional(),
    refundId: z.string().min(1).max(128).optional(),
    properties: z.record(z.string().max(64), z.unknown()).optional(),
    items: z.array(ItemInputSchema).min(1, 'expected at least one item (or leave items out)').max(MAX_ITEMS, `expected at most ${MAX_ITEMS} items`).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.items && e.type !== 'purchase' && e.type !== 'refund') ctx.addIssue({ code: 'custom', path: ['items'], message: 'only a purchase or a refund lists items' });
    e.items?.forEach((item, i) => {
      if (e.type === 'purchase' && item.unitPrice === undefined) ctx.addIssue({ code: 'custom', path: ['items', i, 'unitPrice'], message: 'a purchased item needs a unitPrice' });
      if (e.type === 'purchase' && item.line !== undefined) ctx.addIssue({ code: 'custom', path: ['items', i, 'line'], message: 'line names a line of the purchase a refund returns; a purchase numbers its lines by their order' });
      if (e.type === 'refund' && (item.unitPrice !== undefined || item.discount !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['items', i], message: 'a refunded item names sku and quantity (and line); its price is the purchase line\'s' });
      }
    });
    // Part of the documented shape (the `meta` below says it to OpenAPI): a 400, not a 422.
    const shape = { shape: true };
    if ((e.type === 'purchase' || e.type === 'refund') && e.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: `a ${e.type} needs an amount`, params: shape });
    if ((e.type === 'purchase' || e.type === 'refund') && e.orderId === undefined) ctx.addIssue({ code: 'custom', path: ['orderId'], message: `a ${e.type} needs an orderId`, params: shape });
  })
  .meta({ if: { properties: { type: { enum: ['purchase', 'refund'] } }, required: ['type'] }, then: { required: ['amount', 'orderId'] } });

export type EventInput = z.infer<typeof EventInputSchema>;

export const MAX_BATCH = 1000;

/**
 * The idempotency key: the caller's, or a natural default (purchase: member + order; refund:
 * member + order + refund id). Other events need an explicit key: nothing natural makes two
 * reviews or logins the same fact.
 */
export function idempotencyKeyOf(e: EventInput, headerKey?: string): string {
  const explicit = e.idempotencyKey ?? headerKey;
  if (explicit) return explicit;
  if (e.type === 'purchase') return `purchase:${e.memberId}:${e.orderId}`;
  if (e.type === 'refund') {
    // 422: a rule across the body and the Idempotency-Key header, which no schema states.
    if (!e.refundId) throw new ValidationError('idempotency_key_required', 'a refund needs a refundId or an idempotencyKey (several refunds of one order are different facts)', undefined, 422);
    return `refund:${e.memberId}:${e.orderId}:${e.refundId}`;
  }
  throw new ValidationError('idempotency_key_required', `a ${e.type} event needs an idempotencyKey (or an Idempotency-Key header)`, undefined, 422);
}

/** Deterministic: the same key always names the same event (and its entries and jobs). */
export function eventIdOf(idempotencyKey: string): string {
  return `evt_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

/** What makes a replay "the same event": a reused key with a different payload is a conflict. */
export function eventFingerprint(e: EventInput): string {
  return createHash('sha256')
    .update(JSON.stringify([e.memberId, e.type, e.amount ?? null, e.orderId ?? null, e.refundId ?? null, e.occurredAt ?? null, e.properties ?? null, ...(e.items ? [e.items] : [])]))
    .digest('hex')
    .slice(0, 32);
}
