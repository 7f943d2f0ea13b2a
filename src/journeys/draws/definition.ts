import { z } from 'zod';
import { canonicalJson, findDrandChain, QUICKNET, sha256Hex, type DrandChain } from '../../draws/index.js';
import { IdSchema } from '../../program/index.js';
import { SegmentSchema } from '../../segments/index.js';

const positiveInt = (max = 1_000_000_000) => z.int('expected a positive integer').min(1, 'expected a positive integer').max(max);
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 32 bytes of lower-case hex');

/**
 * How many tickets a member holds at the close. `pointsPerTicket` tickets are whole: 250 points
 * at 100 per ticket is 2 tickets. Every formula may be capped per member.
 */
export const TicketFormulaSchema = z.discriminatedUnion('type', [
  /** One ticket per N points of available balance at the close. */
  z.strictObject({ type: z.literal('balance'), pointsPerTicket: positiveInt(), maxPerMember: positiveInt().optional() }),
  /** One ticket per N points earned in the entry window (net of reversals in it). */
  z.strictObject({ type: z.literal('points_earned'), pointsPerTicket: positiveInt(), maxPerMember: positiveInt().optional() }),
  /** K tickets per purchase in the entry window (a purchase refunded in full no longer counts). */
  z.strictObject({ type: z.literal('purchases'), ticketsPerPurchase: positiveInt(1000).default(1), maxPerMember: positiveInt().optional() }),
  /** Tickets bought with points during the entry window (POST /v1/draws/:id/tickets). */
  z.strictObject({ type: z.literal('bought'), pointsPerTicket: positiveInt(), maxPerMember: positiveInt().optional() }),
]);
export type TicketFormula = z.output<typeof TicketFormulaSchema>;

export const DrawPrizeSchema = z
  .strictObject({
    /** Published prize id (appears in the records). */
    id: IdSchema,
    name: z.string().min(1).max(200),
    quantity: positiveInt(10_000),
    /** Points awarded through the award queue; or a catalog reward fulfilled outside Laurel. */
    points: positiveInt().optional(),
    rewardId: IdSchema.optional(),
  })
  .refine((p) => (p.points === undefined) !== (p.rewardId === undefined), { message: 'a prize is either points or a rewardId', path: ['points'], params: { shape: true } })
  .meta({ oneOf: [{ required: ['points'] }, { required: ['rewardId'] }] });

export const DrawRandomnessSchema = z
  .strictObject({
    /** A drand round that is published after the close (the commit); default chain quicknet. */
    drand: z.strictObject({ chainHash: hex32.default(QUICKNET.chainHash), round: positiveInt(Number.MAX_SAFE_INTEGER) }).optional(),
    /** H(s) of an operator secret s (SHA-256, hex), revealed after the commit. */
    secretCommitment: hex32.optional(),
  })
  .refine((r) => r.drand !== undefined || r.secretCommitment !== undefined, { message: 'name a drand round, a secretCommitment, or both', params: { shape: true } })
  .meta({ anyOf: [{ required: ['drand'] }, { required: ['secretCommitment'] }] });

export const DrawInputSchema = z
  .strictObject({
    id: IdSchema,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** Who may enter: a segment DSL document, evaluated at the close (absent = every member). */
    eligibility: z.strictObject({ segment: SegmentSchema }).optional(),
    tickets: TicketFormulaSchema,
    entryStartsAt: z.iso.datetime({ offset: true }),
    entryEndsAt: z.iso.datetime({ offset: true }),
    /** In draw order: slot 0 is the first unit of the first prize. */
    prizes: z.array(DrawPrizeSchema).min(1).max(100),
    maxWinsPerMember: positiveInt(1000).default(1),
    reserves: z.int().min(0).max(1000).default(0),
    randomness: DrawRandomnessSchema,
    /** Winners have this many days after the draw to claim (draw_won says until when). */
    claimDays: positiveInt(3650).default(30),
  })
  .superRefine((d, ctx) => {
    if (Date.parse(d.entryEndsAt) <= Date.parse(d.entryStartsAt)) ctx.addIssue({ code: 'custom', path: ['entryEndsAt'], message: 'entryEndsAt must be after entryStartsAt' });
    const ids = new Set<string>();
    for (const [i, p] of d.prizes.entries()) {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['prizes', i, 'id'], message: `prize id ${p.id} is used twice` });
      ids.add(p.id);
    }
    const slots = d.prizes.reduce((s, p) => s + p.quantity, 0) + d.reserves;
    if (slots > 10_000) ctx.addIssue({ code: 'custom', path: ['prizes'], message: `at most 10,000 slots (prizes + reserves), got ${slots}` });
  });

export type DrawInput = z.input<typeof DrawInputSchema>;
export type DrawDefinition = z.output<typeof DrawInputSchema>;

/** The published rules hash: SHA-256 of the canonical JSON of the validated definition. */
export function rulesHash(definition: DrawDefinition): string {
  return sha256Hex(canonicalJson(definition));
}

export function drandChainOf(definition: DrawDefinition, chains: readonly DrandChain[]): DrandChain | undefined {
  return definition.randomness.drand ? findDrandChain(definition.randomness.drand.chainHash, chains) : undefined;
}

export function drawWorkflowId(drawId: string): string {
  return `draw:${drawId}`;
}

export function drawIdOf(workflowId: string): string {
  return workflowId.replace(/^draw:/, '');
}
