import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { DrawAuditRecordSchema, DrawCommitRecordSchema, serializeLeaves, verifyAuditChain } from '../../draws/index.js';
import { ConflictError } from '../../errors/index.js';
import { IdSchema } from '../../program/index.js';
import {
  auditLog,
  buyDrawTickets,
  closeDrawEntries,
  defineDraw,
  drawSettingsFrom,
  drawWinners,
  DrawInputSchema,
  getDraw,
  listDraws,
  loadEntries,
  memberDrawEntry,
  memberDraws,
  revealDrawSecret,
  type DrawControlDeps,
  type DrawRecord,
} from '../../journeys/draws/index.js';
import { getMember, MemberIdSchema } from '../../members/index.js';
import { authorize } from '../auth.js';
import { defineRoute } from '../route.js';
import { DefinedDraw, DrandChain, DrawAuditLog, DrawWithWinners, MemberDraw, MemberDrawEntry, PublicDraw, TicketPurchase } from '../schemas/draws.js';
import type { ApiContext } from '../server.js';

const DrawParams = z.strictObject({ id: IdSchema });
const MemberDrawParams = z.strictObject({ memberId: MemberIdSchema, id: IdSchema });
const RevealBody = z.strictObject({ secret: z.string().regex(/^(?:[0-9a-f]{2})+$/, 'expected the secret as lower-case hex').max(2048) });
const TicketsBody = z.strictObject({
  memberId: MemberIdSchema.optional(),
  quantity: z.int().min(1).max(1_000_000),
  idempotencyKey: z.string().min(1).max(200),
});

/** What anyone may see: the rules, and once they exist the commit and the audit record. */
function publicView(draw: DrawRecord) {
  return {
    id: draw.id,
    name: draw.name,
    status: draw.status,
    rules: draw.definition,
    rulesHash: draw.rulesHash,
    entryStartsAt: draw.entryStartsAt,
    entryEndsAt: draw.entryEndsAt,
    commit: draw.commit,
    audit: draw.audit,
    voidReason: draw.voidReason,
  };
}

const DRAW_ID = { params: 'invalid_draw_id' } as const;
const DRAW_PROBLEMS = { 404: ['unknown_draw'] } as const;

export function registerDrawRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const deps = (): DrawControlDeps => ({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue, chains: drawSettingsFrom(ctx.config).chains });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/draws',
    tags: ['draws'],
    summary: 'Define a prize draw (rules are fixed from here on) and start its workflow draw:<id>',
    auth: { roles: ['admin', 'marketer'] },
    body: DrawInputSchema,
    inputCodes: { body: 'invalid_draw' },
    responses: { 201: DefinedDraw },
    problems: { 400: ['drand_unknown_chain'], 409: ['draw_exists'], 422: ['drand_round_in_past', 'drand_unknown_chain'] },
    handler: async ({ body, principal }) => {
      const draw = await defineDraw(deps(), body, actorOf(principal));
      return { ...publicView(draw), workflowId: `draw:${draw.id}` };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/draws',
    tags: ['draws'],
    summary: 'Draws, latest close first',
    auth: { roles: ['admin', 'marketer'] },
    responses: { 200: z.object({ items: z.array(PublicDraw) }) },
    handler: async () => ({ items: (await listDraws(ctx.pool)).map(publicView) }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/draws/:id',
    tags: ['draws'],
    summary: 'A draw with its winners (member ids)',
    auth: { roles: ['admin', 'marketer'] },
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: DrawWithWinners },
    problems: DRAW_PROBLEMS,
    handler: async ({ params }) => {
      const draw = await getDraw(ctx.pool, params.id);
      return { ...publicView(draw), winners: await drawWinners(ctx.pool, params.id), workflowId: `draw:${params.id}` };
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/draws/:id/close',
    tags: ['draws'],
    summary: 'End the entry window now (freeze and commit follow)',
    auth: { roles: ['admin'] },
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 202: z.object({ entries: z.int().describe('members holding tickets') }) },
    problems: { ...DRAW_PROBLEMS, 409: ['draw_not_open'], 422: ['draw_no_entries'] },
    handler: async ({ params }) => await closeDrawEntries(deps(), params.id),
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/draws/:id/reveal',
    tags: ['draws'],
    summary: 'Reveal the operator secret s (checked against the committed H(s))',
    auth: { roles: ['admin'] },
    params: DrawParams,
    body: RevealBody,
    inputCodes: DRAW_ID,
    responses: { 202: z.object({ drawId: IdSchema, revealed: z.literal(true) }) },
    problems: { ...DRAW_PROBLEMS, 400: ['randomness_not_committed'], 409: ['draw_not_frozen', 'draw_already_drawn'], 422: ['secret_mismatch'] },
    handler: async ({ params, body }) => {
      await revealDrawSecret(deps(), params.id, body.secret);
      return { drawId: params.id, revealed: true as const };
    },
  });

  defineRoute(app, {
    method: 'POST',
    url: '/v1/draws/:id/tickets',
    tags: ['draws'],
    summary: 'Buy tickets with points (ticket formula "bought"); idempotent',
    auth: { roles: ['admin', 'member'] },
    params: DrawParams,
    body: TicketsBody,
    inputCodes: DRAW_ID,
    responses: { 201: TicketPurchase, 200: TicketPurchase.describe('A replay: the original purchase') },
    problems: {
      ...DRAW_PROBLEMS,
      404: ['unknown_draw', 'unknown_member'],
      422: ['draw_tickets_not_for_sale'],
      409: ['member_required', 'draw_not_open', 'draw_ticket_cap', 'insufficient_balance', 'idempotency_key_reused'],
    },
    handler: async ({ params, body, request, reply }) => {
      const self = request.principal?.kind === 'member' ? request.principal.memberId : undefined;
      const memberId = body.memberId ?? self;
      if (!memberId) throw new ConflictError('member_required', 'name the memberId (or call with a member token)');
      const principal = authorize(request, ['admin', 'member'], { memberId });
      const result = await buyDrawTickets(ctx.pool, { drawId: params.id, memberId, quantity: body.quantity, idempotencyKey: body.idempotencyKey, actor: actorOf(principal) });
      reply.code(result.replayed ? 200 : 201);
      return { drawId: params.id, memberId, ...result };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:memberId/draws',
    tags: ['draws'],
    summary: "The member's draws: frozen entries with tickets and wins, and open draws they may enter (member token: own only)",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.memberId,
    params: z.strictObject({ memberId: MemberIdSchema }),
    inputCodes: { params: 'invalid_member_id' },
    responses: { 200: z.object({ items: z.array(MemberDraw) }) },
    problems: { 404: ['unknown_member'] },
    handler: async ({ params }) => {
      await getMember(ctx.pool, params.memberId);
      return { items: await memberDraws(ctx.pool, params.memberId) };
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/members/:memberId/draws/:id/entry',
    tags: ['draws'],
    summary: "The member's frozen entry (pid, tickets, block) and Merkle inclusion proof",
    auth: { roles: ['admin', 'marketer', 'member'] },
    memberOf: ({ params }) => params.memberId,
    params: MemberDrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: MemberDrawEntry },
    problems: { 404: ['unknown_draw', 'draw_entry_not_found'], 409: ['draw_not_frozen'] },
    handler: async ({ params }) => await memberDrawEntry(ctx.pool, params.id, params.memberId),
  });

  // ---- public: no authentication ----

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/drand-chains',
    tags: ['draws'],
    summary: 'Public: the drand chains this Laurel accepts (pinned public chains and DRAND_EXTRA_CHAINS), with their public keys',
    auth: 'public',
    responses: { 200: z.object({ chains: z.array(DrandChain) }) },
    handler: async () => ({ chains: deps().chains }),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/draws/:id',
    tags: ['draws'],
    summary: 'Public: the rules, the commit record and (after the draw) the audit record',
    auth: 'public',
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: PublicDraw },
    problems: DRAW_PROBLEMS,
    handler: async ({ params }) => publicView(await getDraw(ctx.pool, params.id)),
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/draws/:id/commit',
    tags: ['draws'],
    summary: 'Public: the commit record',
    auth: 'public',
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: DrawCommitRecordSchema },
    problems: { ...DRAW_PROBLEMS, 409: ['draw_not_frozen'] },
    handler: async ({ params }) => {
      const draw = await getDraw(ctx.pool, params.id);
      if (!draw.commit) throw new ConflictError('draw_not_frozen', `draw ${params.id} has not committed its entries yet`, { drawId: params.id });
      return draw.commit;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/draws/:id/audit',
    tags: ['draws'],
    summary: 'Public: the audit record (draw.json)',
    auth: 'public',
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: DrawAuditRecordSchema },
    problems: { ...DRAW_PROBLEMS, 409: ['draw_not_drawn'] },
    handler: async ({ params }) => {
      const draw = await getDraw(ctx.pool, params.id);
      if (!draw.audit) throw new ConflictError('draw_not_drawn', `draw ${params.id} has not been drawn yet`, { drawId: params.id, drawStatus: draw.status });
      return draw.audit;
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/draws/:id/leaves',
    tags: ['draws'],
    summary: 'Public: the leaves file (laurel-leaves-ndjson-v1)',
    auth: 'public',
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: { contentType: 'application/x-ndjson', schema: z.string(), description: 'One JSON leaf per line, in entry order' } },
    problems: { ...DRAW_PROBLEMS, 409: ['draw_not_frozen'] },
    handler: async ({ params, reply }) => {
      const draw = await getDraw(ctx.pool, params.id);
      if (!draw.commit) throw new ConflictError('draw_not_frozen', `draw ${params.id} has not committed its entries yet`, { drawId: params.id });
      const entries = await loadEntries(ctx.pool, params.id, draw.commit.entries.n, BigInt(draw.commit.entries.t));
      return reply.type('application/x-ndjson').send(Readable.from(serializeLeaves(entries)));
    },
  });

  defineRoute(app, {
    method: 'GET',
    url: '/v1/public/draws/:id/audit-log',
    tags: ['draws'],
    summary: "Public: the draw's hash-chained audit log, with the chain checked",
    auth: 'public',
    params: DrawParams,
    inputCodes: DRAW_ID,
    responses: { 200: DrawAuditLog },
    problems: DRAW_PROBLEMS,
    handler: async ({ params }) => {
      await getDraw(ctx.pool, params.id);
      const entries = await auditLog(ctx.pool, params.id);
      return { entries, chain: verifyAuditChain(entries) };
    },
  });
}
