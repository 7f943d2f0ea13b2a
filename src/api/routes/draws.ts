import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../auth/index.js';
import { serializeLeaves, verifyAuditChain } from '../../draws/index.js';
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
import { jsonSchema } from '../openapi.js';
import type { ApiContext } from '../server.js';
import { parseInput } from '../validate.js';

const DrawParams = z.strictObject({ id: IdSchema });
const MemberDrawParams = z.strictObject({ memberId: MemberIdSchema, id: IdSchema });
const RevealBody = z.strictObject({ secret: z.string().regex(/^(?:[0-9a-f]{2})+$/, 'expected the secret as lower-case hex').max(2048) });
const TicketsBody = z.strictObject({
  memberId: MemberIdSchema.optional(),
  quantity: z.int().min(1).max(1_000_000),
  idempotencyKey: z.string().min(1).max(200),
});

/** What anyone may see: the rules, and once they exist the commit and the audit record. */
function publicView(draw: DrawRecord): Record<string, unknown> {
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

export function registerDrawRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const deps = (): DrawControlDeps => ({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: ctx.config.taskQueue, chains: drawSettingsFrom(ctx.config).chains });

  app.post('/v1/draws', { schema: { tags: ['draws'], summary: 'Define a prize draw (rules are fixed from here on) and start its workflow draw:<id>', body: jsonSchema(DrawInputSchema) } }, async (request, reply) => {
    const principal = authorize(request, ['admin', 'marketer']);
    const definition = parseInput(DrawInputSchema, request.body, 'body', 'invalid_draw');
    const draw = await defineDraw(deps(), definition, actorOf(principal));
    return reply.code(201).send({ ...publicView(draw), workflowId: `draw:${draw.id}` });
  });

  app.get('/v1/draws', { schema: { tags: ['draws'], summary: 'Draws, latest close first' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    return { items: (await listDraws(ctx.pool)).map(publicView) };
  });

  app.get('/v1/draws/:id', { schema: { tags: ['draws'], summary: 'A draw with its winners (member ids)' } }, async (request) => {
    authorize(request, ['admin', 'marketer']);
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const draw = await getDraw(ctx.pool, id);
    return { ...publicView(draw), winners: await drawWinners(ctx.pool, id), workflowId: `draw:${id}` };
  });

  app.post('/v1/draws/:id/close', { schema: { tags: ['draws'], summary: 'End the entry window now (freeze and commit follow)' } }, async (request, reply) => {
    authorize(request, ['admin']);
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    return reply.code(202).send(await closeDrawEntries(deps(), id));
  });

  app.post('/v1/draws/:id/reveal', { schema: { tags: ['draws'], summary: 'Reveal the operator secret s (checked against the committed H(s))', body: jsonSchema(RevealBody) } }, async (request, reply) => {
    authorize(request, ['admin']);
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const body = parseInput(RevealBody, request.body);
    await revealDrawSecret(deps(), id, body.secret);
    return reply.code(202).send({ drawId: id, revealed: true });
  });

  app.post('/v1/draws/:id/tickets', { schema: { tags: ['draws'], summary: 'Buy tickets with points (ticket formula "bought"); idempotent', body: jsonSchema(TicketsBody) } }, async (request, reply) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const body = parseInput(TicketsBody, request.body);
    const self = request.principal?.kind === 'member' ? request.principal.memberId : undefined;
    const memberId = body.memberId ?? self;
    if (!memberId) throw new ConflictError('member_required', 'name the memberId (or call with a member token)');
    const principal = authorize(request, ['admin', 'member'], { memberId });
    const result = await buyDrawTickets(ctx.pool, { drawId: id, memberId, quantity: body.quantity, idempotencyKey: body.idempotencyKey, actor: actorOf(principal) });
    return reply.code(result.replayed ? 200 : 201).send({ drawId: id, memberId, ...result });
  });

  app.get('/v1/members/:memberId/draws', { schema: { tags: ['draws'], summary: "The member's draws: frozen entries with tickets and wins, and open draws they may enter (member token: own only)" } }, async (request) => {
    const { memberId } = parseInput(z.strictObject({ memberId: MemberIdSchema }), request.params, 'params', 'invalid_member_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId });
    await getMember(ctx.pool, memberId);
    return { items: await memberDraws(ctx.pool, memberId) };
  });

  app.get('/v1/members/:memberId/draws/:id/entry', { schema: { tags: ['draws'], summary: "The member's frozen entry (pid, tickets, block) and Merkle inclusion proof" } }, async (request) => {
    const { memberId, id } = parseInput(MemberDrawParams, request.params, 'params', 'invalid_draw_id');
    authorize(request, ['admin', 'marketer', 'member'], { memberId });
    return await memberDrawEntry(ctx.pool, id, memberId);
  });

  // ---- public: no authentication ----

  app.get('/v1/public/drand-chains', { schema: { tags: ['draws'], summary: 'Public: the drand chains this Laurel accepts (pinned public chains and DRAND_EXTRA_CHAINS), with their public keys', security: [] } }, async () => {
    return { chains: deps().chains };
  });

  app.get('/v1/public/draws/:id', { schema: { tags: ['draws'], summary: 'Public: the rules, the commit record and (after the draw) the audit record' } }, async (request) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    return publicView(await getDraw(ctx.pool, id));
  });

  app.get('/v1/public/draws/:id/commit', { schema: { tags: ['draws'], summary: 'Public: the commit record' } }, async (request) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const draw = await getDraw(ctx.pool, id);
    if (!draw.commit) throw new ConflictError('draw_not_frozen', `draw ${id} has not committed its entries yet`, { drawId: id });
    return draw.commit;
  });

  app.get('/v1/public/draws/:id/audit', { schema: { tags: ['draws'], summary: 'Public: the audit record (draw.json)' } }, async (request) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const draw = await getDraw(ctx.pool, id);
    if (!draw.audit) throw new ConflictError('draw_not_drawn', `draw ${id} has not been drawn yet`, { drawId: id, drawStatus: draw.status });
    return draw.audit;
  });

  app.get('/v1/public/draws/:id/leaves', { schema: { tags: ['draws'], summary: 'Public: the leaves file (laurel-leaves-ndjson-v1)' } }, async (request, reply) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    const draw = await getDraw(ctx.pool, id);
    if (!draw.commit) throw new ConflictError('draw_not_frozen', `draw ${id} has not committed its entries yet`, { drawId: id });
    const entries = await loadEntries(ctx.pool, id, draw.commit.entries.n, BigInt(draw.commit.entries.t));
    return reply.type('application/x-ndjson').send(Readable.from(serializeLeaves(entries)));
  });

  app.get('/v1/public/draws/:id/audit-log', { schema: { tags: ['draws'], summary: "Public: the draw's hash-chained audit log, with the chain checked" } }, async (request) => {
    const { id } = parseInput(DrawParams, request.params, 'params', 'invalid_draw_id');
    await getDraw(ctx.pool, id);
    const entries = await auditLog(ctx.pool, id);
    return { entries, chain: verifyAuditChain(entries) };
  });
}
