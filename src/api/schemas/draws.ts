import { z } from 'zod';
import { DrawCommitRecordSchema, DrawAuditRecordSchema, MemberProofSchema } from '../../draws/index.js';
import { DrawInputSchema } from '../../journeys/draws/index.js';
import { MemberIdSchema } from '../../members/index.js';
import { IdSchema } from '../../program/index.js';
import { Timestamp } from './common.js';

/** What anyone may see: the rules, and once they exist the commit and the audit record. */
export const PublicDraw = z
  .object({
    id: IdSchema,
    name: z.string(),
    status: z.enum(['open', 'frozen', 'drawn', 'closed', 'void']),
    rules: DrawInputSchema,
    rulesHash: z.string(),
    entryStartsAt: Timestamp,
    entryEndsAt: Timestamp,
    commit: DrawCommitRecordSchema.nullable(),
    audit: DrawAuditRecordSchema.nullable(),
    voidReason: z.string().nullable(),
  })
  .meta({ id: 'PublicDraw' });

export const DrawWinner = z
  .object({
    slot: z.int(),
    kind: z.enum(['prize', 'reserve']),
    prizeId: z.string().nullable(),
    reserveRank: z.int().nullable(),
    memberId: MemberIdSchema,
    pid: z.string(),
    ticket: z.string(),
    counter: z.int(),
  })
  .meta({ id: 'DrawWinner' });

export const DrawWithWinners = PublicDraw.extend({ winners: z.array(DrawWinner), workflowId: z.string() });
export const DefinedDraw = PublicDraw.extend({ workflowId: z.string().describe('draw:<id>') });

export const TicketPurchase = z.object({ drawId: IdSchema, memberId: MemberIdSchema, tickets: z.int(), points: z.int(), replayed: z.boolean() });

export const MemberDrawEntry = z.object({
  drawId: IdSchema,
  pid: z.string(),
  tickets: z.string().describe('a decimal integer'),
  block: z.object({ start: z.string(), end: z.string() }),
  proof: MemberProofSchema,
});

export const MemberDraw = z
  .object({
    id: IdSchema,
    name: z.string(),
    status: z.enum(['open', 'frozen', 'drawn', 'closed', 'void']),
    entryStartsAt: Timestamp,
    entryEndsAt: Timestamp,
    participation: z.enum(['open', 'entered']).describe('open: eligible now, tickets counted at the close; entered: frozen with tickets'),
    tickets: z.string().nullable(),
    wins: z.array(z.object({ slot: z.int(), kind: z.enum(['prize', 'reserve']), prizeId: z.string().nullable(), prizeName: z.string().nullable(), reserveRank: z.int().nullable() })),
  })
  .meta({ id: 'MemberDraw' });

export const DrandChain = z
  .object({ name: z.string(), chainHash: z.string(), publicKey: z.string(), scheme: z.literal('bls-unchained-g1-rfc9380'), genesisTime: z.int(), period: z.int() })
  .meta({ id: 'DrandChain' });

export const DrawAuditLog = z.object({
  entries: z.array(z.object({ drawId: z.string(), seq: z.int(), kind: z.string(), at: Timestamp, body: z.unknown(), prevHash: z.string().nullable(), hash: z.string() })),
  chain: z.union([
    z.object({ ok: z.literal(true), head: z.string().nullable() }),
    z.object({ ok: z.literal(false), seq: z.int(), code: z.enum(['audit_log_broken', 'audit_log_tampered']), message: z.string() }),
  ]),
});
