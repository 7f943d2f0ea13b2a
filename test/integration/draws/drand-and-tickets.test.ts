import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { QUICKNET, drandFirstRoundAfter, drandRandomness, drandRoundTime, verifyDraw, type DrawAuditRecord } from '../../../src/draws/index.js';
import { drandChains, fetchDrandRound } from '../../../src/journeys/draws/index.js';
import { adjustPoints, ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { laurel } from '../../support/cli.js';
import { localDrand } from '../../support/local-drand.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { DRAND_FIXTURE } from '../../unit/draws/helpers.js';

function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

/**
 * There is no network here, so drand is a tiny local relay. It serves two chains:
 * - quicknet's recorded real round 123 (its signature verifies against quicknet's public key);
 * - a local chain whose key the test holds (same scheme as quicknet: unchained, signatures on G1),
 *   so it signs any round. The draw names the first round after its close, computed when the draw
 *   is created — as an operator does — so the whole path (sleep until the round, fetch, BLS check,
 *   draw) runs however long the setup took on a loaded machine.
 */
const ROUND = DRAND_FIXTURE.round;
const LOCAL = localDrand('drand-and-tickets');
const LOCAL_CHAIN = LOCAL.chain;
const EXTRA_CHAINS = JSON.stringify([LOCAL_CHAIN]);
const localSignature = LOCAL.signature;

interface Relay {
  server: Server;
  url: string;
  /** When the relay was first asked for each round of the local chain (ms). */
  firstAsked: Map<number, number>;
}

function startRelay(quicknetSignature: string): Promise<Relay> {
  const firstAsked = new Map<number, number>();
  const server = createServer((req, res) => {
    const local = new RegExp(`^/${LOCAL_CHAIN.chainHash}/public/(\\d+)$`).exec(req.url ?? '');
    const localRound = local ? Number(local[1]) : 0;
    if (local && !firstAsked.has(localRound)) firstAsked.set(localRound, Date.now());
    const answer = local ? LOCAL.answer(localRound) : null;
    if (answer) {
      // Like drand: a round is served once its time has come, never before.
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } else if (req.url === `/${QUICKNET.chainHash}/public/${ROUND}`) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ round: ROUND, randomness: DRAND_FIXTURE.randomness, signature: quicknetSignature }));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${address.port}`, firstAsked });
  }));
}

describe('draws: a drand round from a relay, ticket formulas, export + verify through the CLI', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  let admin: string;
  let relay: Relay;
  const roles: Role[] = [];

  beforeAll(async () => {
    relay = await startRelay(DRAND_FIXTURE.signature);
    env = await createTestEnv({
      QUIET_HOURS: 'off',
      NOTIFY_CHANNELS: 'email',
      DRAW_KEY: 'another-draw-key-for-tests-0123456789',
      DRAND_EXTRA_CHAINS: EXTRA_CHAINS,
      DRAND_RELAY_URL: relay.url,
      LAUREL_DATA_DIR: mkdtempSync(join(tmpdir(), 'laurel-draws-')),
    });
    program = await publishExample(env, 'reference');
    roles.push(await startWorkerRole(env.ctx));
    roles.push(await startJourneysRole(env.ctx, env.workflowBundle));
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    admin = await apiKey(env, 'admin');
  });

  afterAll(async () => {
    await api?.close();
    for (const role of roles.reverse()) await role.stop();
    await env?.cleanup();
    relay?.server.close();
  });

  async function member(id: string, attributes: Record<string, unknown> = {}): Promise<void> {
    await upsertMember(env.ctx.pool, id, { email: `${id}.${env.id}@example.test`, attributes, consent: { email: { marketing: true, transactional: true } } }, program, 'test');
  }

  it('sleeps until the committed drand round, fetches it, checks its BLS signature and draws; the files verify', async () => {
    for (const id of ['d1', 'd2', 'd3', 'd4']) {
      await member(id);
      await adjustPoints(env.ctx.pool, { memberId: id, points: 100 * (id.charCodeAt(1) - 47), reason: 'seed', idempotencyKey: `seed-${id}`, actor: 'test' });
    }
    // The entries close 2 s from now and the draw names the first round published `margin` seconds
    // after the close. The freeze runs at the close and must come before that round exists (a late
    // freeze voids the draw, drand_round_in_past, as it must). On a machine too loaded to freeze
    // within the margin, a new draw is made with a wider one: the path under test stays the same.
    let drawId = '';
    let round = 0;
    for (const margin of [10, 30, 60]) {
      drawId = margin === 10 ? 'drand-draw' : `drand-draw-${margin}`;
      const entryEndsAt = Date.now() + 2_000;
      round = drandFirstRoundAfter(LOCAL_CHAIN, entryEndsAt / 1000 + margin);
      const res = await api.call('POST', '/v1/draws', marketer, {
        id: drawId,
        name: 'drand draw',
        tickets: { type: 'balance', pointsPerTicket: 100 },
        entryStartsAt: new Date(Date.now() - 60_000).toISOString(),
        entryEndsAt: new Date(entryEndsAt).toISOString(),
        prizes: [{ id: 'p', name: '100 points', quantity: 2, points: 100 }],
        randomness: { drand: { chainHash: LOCAL_CHAIN.chainHash, round } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const result = (await env.ctx.temporal.workflow.getHandle(`draw:${drawId}`).result()) as { status: string; reason?: string };
      if (result.status === 'void' && result.reason === 'drand_round_in_past' && margin !== 60) continue;
      expect(result, JSON.stringify(result)).toMatchObject({ status: 'closed' });
      break;
    }
    // It slept until the round (never asked the relay before the round's time) and then fetched it.
    const firstAsked = relay.firstAsked.get(round);
    expect(firstAsked).toBeDefined();
    expect(firstAsked).toBeGreaterThanOrEqual(drandRoundTime(LOCAL_CHAIN, round) * 1000);

    const signature = localSignature(round);
    const audit = (await api.call('GET', `/v1/public/draws/${drawId}/audit`, undefined)).body as unknown as DrawAuditRecord;
    expect(audit.evidence.drand).toEqual({ chain_hash: LOCAL_CHAIN.chainHash, round, signature, randomness: drandRandomness(Buffer.from(signature, 'hex')).toString('hex') });
    expect(audit.evidence.secret).toBeNull();
    const leavesRes = await api.app.inject({ method: 'GET', url: `/v1/public/draws/${drawId}/leaves` });
    expect(leavesRes.statusCode).toBe(200);
    const verified = await verifyDraw(audit, [leavesRes.rawPayload], { chains: drandChains(EXTRA_CHAINS) });
    expect(verified).toMatchObject({ ok: true, summary: { n: 4 } });
    // The same files checked against another key do not verify: the BLS check is real.
    expect(await verifyDraw(audit, [leavesRes.rawPayload], { chains: [{ ...LOCAL_CHAIN, publicKey: QUICKNET.publicKey }] })).toMatchObject({ ok: false });

    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'draw-drand.json'), historyJson(await env.ctx.temporal.workflow.getHandle(`draw:${drawId}`).fetchHistory()));
    }
  }, 240_000); // up to three draws when the freeze runs late (see above)

  it('a relay serving a tampered signature is refused before anything uses it', async () => {
    const bad = DRAND_FIXTURE.signature.slice(0, -2) + (DRAND_FIXTURE.signature.endsWith('00') ? '01' : '00');
    const tampered = await startRelay(bad);
    try {
      // quicknet's real round 123, served by the relay: the true signature passes, a changed one not.
      await expect(fetchDrandRound(tampered.url, QUICKNET, ROUND)).rejects.toMatchObject({ code: 'drand_signature_invalid' });
      await expect(fetchDrandRound(relay.url, QUICKNET, ROUND)).resolves.toEqual({ round: ROUND, signature: DRAND_FIXTURE.signature });
    } finally {
      tampered.server.close();
    }
  });

  it('tickets per purchase, per points earned in the window, and bought with points (capped)', async () => {
    const start = new Date(Date.now() - 60_000);
    for (const id of ['t1', 't2', 't3']) await member(id, { cohort: 'tickets' });
    // t1: 3 purchases in the window; t2: 1; t3: none.
    for (const [id, n] of [['t1', 3], ['t2', 1]] as const) {
      for (let i = 0; i < n; i++) {
        await ingestEvent(env.ctx.pool, { type: 'purchase', memberId: id, idempotencyKey: `${id}-buy-${i}`, occurredAt: new Date().toISOString(), amount: 1_000_000, orderId: `${id}-o${i}` }, { source: 'api' });
      }
    }
    const purchases = await api.call('POST', '/v1/draws', marketer, {
      id: 'per-purchase',
      name: 'per purchase',
      tickets: { type: 'purchases', ticketsPerPurchase: 2 },
      entryStartsAt: start.toISOString(),
      entryEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
      prizes: [{ id: 'p', name: 'x', quantity: 1, points: 1 }],
      randomness: { secretCommitment: createHash('sha256').update('s').digest('hex') },
    });
    expect(purchases.status, JSON.stringify(purchases.body)).toBe(201);
    expect((await api.call('POST', '/v1/draws/per-purchase/close', admin)).body).toEqual({ entries: 2 });
    await until(async () => (await api.call('GET', '/v1/members/t1/draws/per-purchase/entry', marketer)).status === 200);
    expect((await api.call('GET', '/v1/members/t1/draws/per-purchase/entry', marketer)).body).toMatchObject({ tickets: '6' });
    expect((await api.call('GET', '/v1/members/t2/draws/per-purchase/entry', marketer)).body).toMatchObject({ tickets: '2' });

    const earned = await api.call('POST', '/v1/draws', marketer, {
      id: 'per-earned',
      name: 'per points earned',
      // The first test's prize awards are points earned in this window too: only this cohort.
      eligibility: { segment: { attribute: { key: 'cohort', op: 'eq', value: 'tickets' } } },
      tickets: { type: 'points_earned', pointsPerTicket: 10, maxPerMember: 2 },
      entryStartsAt: start.toISOString(),
      entryEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
      prizes: [{ id: 'p', name: 'x', quantity: 1, points: 1 }],
      randomness: { secretCommitment: createHash('sha256').update('s').digest('hex') },
    });
    expect(earned.status).toBe(201);
    expect((await api.call('POST', '/v1/draws/per-earned/close', admin)).body).toEqual({ entries: 2 });

    const bought = await api.call('POST', '/v1/draws', marketer, {
      id: 'bought',
      name: 'bought with points',
      tickets: { type: 'bought', pointsPerTicket: 50, maxPerMember: 3 },
      entryStartsAt: start.toISOString(),
      entryEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
      prizes: [{ id: 'p', name: 'x', quantity: 1, points: 1 }],
      randomness: { secretCommitment: createHash('sha256').update('s').digest('hex') },
    });
    expect(bought.status).toBe(201);
    await adjustPoints(env.ctx.pool, { memberId: 't3', points: 120, reason: 'seed', idempotencyKey: 'seed-t3', actor: 'test' });
    const buy = await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 't3', quantity: 2, idempotencyKey: 'k1' });
    expect(buy.status, JSON.stringify(buy.body)).toBe(201);
    expect(buy.body).toMatchObject({ tickets: 2, points: 100 });
    expect((await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 't3', quantity: 2, idempotencyKey: 'k1' })).status).toBe(200);
    // The same key for another quantity is a conflict and leaves the purchase it names alone.
    expect((await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 't3', quantity: 1, idempotencyKey: 'k1' })).body.code).toBe('idempotency_key_reused');
    expect((await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 't3', quantity: 2, idempotencyKey: 'k2' })).body.code).toBe('draw_ticket_cap');
    expect((await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 't3', quantity: 1, idempotencyKey: 'k3' })).body.code).toBe('insufficient_balance');
    // Found by contract fuzzing: an unknown member was a refused foreign key (500); a draw that sells none is 422.
    expect((await api.call('POST', '/v1/draws/bought/tickets', admin, { memberId: 'nobody', quantity: 1, idempotencyKey: 'k4' })).body).toMatchObject({ status: 404, code: 'unknown_member' });
    expect((await api.call('POST', '/v1/draws/per-earned/tickets', admin, { memberId: 't3', quantity: 1, idempotencyKey: 'k5' })).body).toMatchObject({ status: 422, code: 'draw_tickets_not_for_sale' });
    expect((await api.call('POST', '/v1/draws/bought/close', admin)).body).toEqual({ entries: 1 });
    await until(async () => (await api.call('GET', '/v1/members/t3/draws/bought/entry', marketer)).status === 200);
    expect((await api.call('GET', '/v1/members/t3/draws/bought/entry', marketer)).body).toMatchObject({ tickets: '2' });
  });

  it('laurel draw export writes the files from the database and laurel draw verify prints OK', async () => {
    // The per-purchase draw: reveal its secret, wait for the draw, export and verify offline.
    expect((await api.call('POST', '/v1/draws/per-purchase/reveal', admin, { secret: Buffer.from('s').toString('hex') })).status).toBe(202);
    await env.ctx.temporal.workflow.getHandle('draw:per-purchase').result();
    const dir = mkdtempSync(join(tmpdir(), 'laurel-export-'));
    const exported = await laurel(['draw', 'export', 'per-purchase', '--out', dir, '--gzip'], { DATABASE_URL: env.urls.databaseUrl, LOG_LEVEL: 'silent' });
    expect(exported.code, exported.stderr).toBe(0);
    const verify = await laurel(['draw', 'verify', '--record', join(dir, 'draw.json'), '--leaves', join(dir, 'leaves.ndjson.gz')]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK LAUREL-DRAW-v1 draw per-purchase/);
    const notDrawn = await laurel(['draw', 'export', 'per-earned', '--out', dir], { DATABASE_URL: env.urls.databaseUrl, LOG_LEVEL: 'silent' });
    expect(notDrawn.code).not.toBe(0);
    expect(notDrawn.stderr).toMatch(/per-earned/);
  });
});

async function until(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 150));
}
