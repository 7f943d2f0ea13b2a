import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import {
  deriveSeed,
  entriesRoot,
  expandSlots,
  freezeEntries,
  openLeavesStream,
  outcomeRecords,
  runDraw,
  verifyAuditChain,
  verifyDraw,
  verifyMemberProof,
  type DrawAuditRecord,
  type DrawCommitRecord,
} from '../../../src/draws/index.js';
import { executeDraw, exportDraw, drawSettingsFrom, auditLog } from '../../../src/journeys/draws/index.js';
import { adjustPoints, checkLedgerInvariant } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startJourneysRole, startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
}

function historyJson(history: unknown): string {
  const History = temporal.api.history.v1.History;
  return JSON.stringify(History.toObject(History.fromObject(history as Record<string, unknown>), { longs: String, enums: String, bytes: String }));
}

const DRAW_KEY = 'draw-key-for-tests-0123456789abcdef';
const SECRET = Buffer.from('the operator secret, chosen before the entries', 'utf8');
const H_SECRET = createHash('sha256').update(SECRET).digest('hex');

describe('prize draws: define → freeze + commit → reveal → draw once → award → notify → export → verify', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let marketer: string;
  let admin: string;
  let journeys: Role | undefined;
  let worker: Role;
  const balances: Record<string, number> = { ana: 1000, ben: 250, cy: 90, dee: 3400, eve: 700, 'fa-ö': 1200 };

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', NOTIFY_CHANNELS: 'email', DRAW_KEY, LAUREL_DATA_DIR: mkdtempSync(join(tmpdir(), 'laurel-draws-')) });
    program = await publishExample(env, 'reference');
    for (const [id, points] of Object.entries(balances)) {
      await upsertMember(env.ctx.pool, id, { email: `${id}.${env.id}@example.test`, firstName: id, attributes: { vip: id !== 'eve' }, consent: { email: { marketing: true, transactional: true } } }, program, 'test');
      await adjustPoints(env.ctx.pool, { memberId: id, points, reason: 'opening balance', idempotencyKey: `open-${id}`, actor: 'test' });
    }
    worker = await startWorkerRole(env.ctx);
    journeys = await startJourneysRole(env.ctx, env.workflowBundle);
    api = await Api.start(env);
    marketer = await apiKey(env, 'marketer');
    admin = await apiKey(env, 'admin');
  });

  afterAll(async () => {
    await api?.close();
    await journeys?.stop();
    await worker?.stop();
    await env?.cleanup();
  });

  const definition = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: `Yalda draw ${id}`,
    eligibility: { segment: { attribute: { key: 'vip', op: 'eq', value: true } } },
    tickets: { type: 'balance', pointsPerTicket: 100, maxPerMember: 20 },
    entryStartsAt: new Date(Date.now() - 3_600_000).toISOString(),
    entryEndsAt: new Date(Date.now() + 3_600_000).toISOString(),
    prizes: [
      { id: 'gold', name: 'Weekend in Kish', quantity: 1, points: 5000 },
      { id: 'silver', name: '500 bonus points', quantity: 2, points: 500 },
    ],
    reserves: 1,
    randomness: { secretCommitment: H_SECRET },
    ...extra,
  });

  async function status(id: string): Promise<string> {
    return (await api.call('GET', `/v1/public/draws/${id}`, undefined)).body.status as string;
  }

  it('runs a commit-reveal draw exactly once across a journeys worker restart, and it verifies', async () => {
    const created = await api.call('POST', '/v1/draws', marketer, definition('yalda'));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.workflowId).toBe('draw:yalda');

    // Public before the commit: the rules, no commit yet; reveal is refused.
    expect((await api.call('GET', '/v1/public/draws/yalda/commit', undefined)).body.code).toBe('draw_not_frozen');
    expect((await api.call('POST', '/v1/draws/yalda/reveal', admin, { secret: SECRET.toString('hex') })).body.code).toBe('draw_not_frozen');

    const closed = await api.call('POST', '/v1/draws/yalda/close', admin);
    expect(closed.status, JSON.stringify(closed.body)).toBe(202);
    expect(closed.body.entries).toBe(4); // eve is not vip; cy's 90 points make no ticket
    expect(await until(() => status('yalda'), (s) => s === 'frozen')).toBe('frozen');

    // The commit record, independently recomputed from the members' balances and the draw key.
    const commit = (await api.call('GET', '/v1/public/draws/yalda/commit', undefined)).body as unknown as DrawCommitRecord;
    const expectedEntries = freezeEntries(
      Buffer.from(DRAW_KEY, 'utf8'),
      Object.entries(balances)
        .filter(([id]) => id !== 'eve')
        .map(([id, points]) => ({ memberId: id, weight: BigInt(Math.min(20, Math.floor(points / 100))) })),
    );
    expect(commit).toMatchObject({ algorithm: 'LAUREL-DRAW-v1', draw_id: 'yalda', entries: { n: expectedEntries.count, t: expectedEntries.total.toString(), root: entriesRoot(expectedEntries).toString('hex') } });
    expect(commit.randomness).toEqual({ drand: null, secret_commitment: H_SECRET });
    // Published as a file too (written just after the freeze's transaction commits: wait for it).
    const commitFile = join(env.config.draws.publishDir, 'yalda', 'commit.json');
    await until(async () => existsSync(commitFile), (exists) => exists);
    const published = JSON.parse(readFileSync(commitFile, 'utf8')) as DrawCommitRecord;
    expect(published).toEqual(commit);

    // A member's entry and inclusion proof.
    const entry = await api.call('GET', '/v1/members/dee/draws/yalda/entry', marketer);
    expect(entry.status).toBe(200);
    expect(entry.body).toMatchObject({ tickets: '20' });
    expect(verifyMemberProof(entry.body.proof, commit)).toMatchObject({ ok: true });
    expect((await api.call('GET', '/v1/members/eve/draws/yalda/entry', marketer)).body.code).toBe('draw_entry_not_found');

    // Crash between the freeze and the draw: the journeys worker goes away and a new one resumes.
    await journeys!.stop();
    journeys = await startJourneysRole(env.ctx, env.workflowBundle);

    // A wrong secret is refused and changes nothing.
    const logBefore = await auditLog(env.ctx.pool, 'yalda');
    const wrong = await api.call('POST', '/v1/draws/yalda/reveal', admin, { secret: Buffer.from('not it').toString('hex') });
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('secret_mismatch');
    expect(await status('yalda')).toBe('frozen');
    expect(await auditLog(env.ctx.pool, 'yalda')).toEqual(logBefore);

    expect((await api.call('POST', '/v1/draws/yalda/reveal', admin, { secret: SECRET.toString('hex') })).status).toBe(202);
    const result = (await env.ctx.temporal.workflow.getHandle('draw:yalda').result()) as { status: string; awarded: number; notified: number; seed: string };
    expect(result).toMatchObject({ status: 'closed', awarded: 3, notified: 3 });

    // Expected winners from the pure core alone (no database): same seed, same slots.
    const seed = deriveSeed('yalda', entriesRoot(expectedEntries), Buffer.alloc(0), SECRET);
    expect(result.seed).toBe(seed.toString('hex'));
    const expected = outcomeRecords(runDraw({ seed, book: expectedEntries, slots: expandSlots([{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 2 }], 1), maxWins: 1 }), expectedEntries);
    const audit = (await api.call('GET', '/v1/public/draws/yalda/audit', undefined)).body as unknown as DrawAuditRecord;
    expect(audit.slots).toEqual(expected.slots);
    expect(audit.steps[0]!.c).toBe(1);

    // Exactly once: a retried draw activity returns the stored winners and writes nothing.
    const log = await auditLog(env.ctx.pool, 'yalda');
    const again = await executeDraw(env.ctx.pool, drawSettingsFrom(env.config), 'yalda', { drand: null, secret: SECRET.toString('hex') }, new Date());
    expect(again.seed).toBe(result.seed);
    expect(await auditLog(env.ctx.pool, 'yalda')).toEqual(log);
    expect(log.map((e) => e.kind)).toEqual(['rules', 'commit', 'randomness', 'draw', 'closed']);
    expect(verifyAuditChain(log)).toMatchObject({ ok: true });
    expect(audit.prev_audit_hash).toBe(log[2]!.hash);

    // Awards through the queue, once per prize slot; reserves get nothing.
    const winners = await env.ctx.pool.query<{ id: string; member_id: string; points: string; granted_at: Date | null }>(`SELECT id, member_id, points, granted_at FROM awards WHERE source = 'draw:yalda' ORDER BY id`);
    expect(winners.rows.map((r) => r.id)).toEqual(['draw:yalda:slot:0', 'draw:yalda:slot:1', 'draw:yalda:slot:2']);
    await until(() => env.ctx.pool.query(`SELECT count(*)::int AS n FROM awards WHERE source = 'draw:yalda' AND granted_at IS NOT NULL`), (r) => r.rows[0].n === 3);
    const memberIds = winners.rows.map((r) => r.member_id);
    expect(await checkLedgerInvariant(env.ctx.pool, memberIds)).toEqual([]);
    // draw_won for each prize winner.
    const messages = await env.ctx.pool.query<{ id: string; member_id: string }>(`SELECT id, member_id FROM messages WHERE id LIKE 'draw_won.yalda.%' ORDER BY id`);
    expect(messages.rows.map((m) => m.id)).toEqual(['draw_won.yalda.0.email', 'draw_won.yalda.1.email', 'draw_won.yalda.2.email']);

    // Export from the database and verify from the files alone.
    const dir = mkdtempSync(join(tmpdir(), 'laurel-draw-export-'));
    const out = await exportDraw(env.ctx.pool, 'yalda', dir, { gzip: true });
    const verified = await verifyDraw(JSON.parse(readFileSync(out.recordPath, 'utf8')), openLeavesStream(out.leavesPath));
    expect(verified).toMatchObject({ ok: true, summary: { drawId: 'yalda', n: expectedEntries.count } });

    // A second draw of the same id is refused; nothing changes.
    const second = await api.call('POST', '/v1/draws', marketer, definition('yalda'));
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('draw_exists');
    expect((await api.call('POST', '/v1/draws/yalda/reveal', admin, { secret: SECRET.toString('hex') })).body.code).toBe('draw_already_drawn');
    expect(await auditLog(env.ctx.pool, 'yalda')).toEqual(log);

    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(join(PROJECT_ROOT, 'test/fixtures/histories', 'draw-commit-reveal.json'), historyJson(await env.ctx.temporal.workflow.getHandle('draw:yalda').fetchHistory()));
    }
  });

  it('the audit log refuses updates and deletes, and an edit made anyway is detected', async () => {
    await expect(env.ctx.pool.query(`UPDATE draw_audit_log SET body = '{}' WHERE draw_id = 'yalda' AND seq = 1`)).rejects.toThrow(/append-only/);
    await expect(env.ctx.pool.query(`DELETE FROM draw_audit_log WHERE draw_id = 'yalda'`)).rejects.toThrow(/append-only/);
    await expect(env.ctx.pool.query(`INSERT INTO draw_audit_log (draw_id, seq, kind, at, body, prev_hash, hash) VALUES ('yalda', 99, 'x', now(), '{}', null, 'h')`)).rejects.toThrow(/chain/);
    const log = await auditLog(env.ctx.pool, 'yalda');
    const edited = log.map((e) => (e.seq === 2 ? { ...e, body: { ...(e.body as object), entries: { n: 1, t: '1', root: '00'.repeat(32) } } } : e));
    expect(verifyAuditChain(edited)).toMatchObject({ ok: false, seq: 2, code: 'audit_log_tampered' });
    const dropped = log.filter((e) => e.seq !== 3);
    expect(verifyAuditChain(dropped)).toMatchObject({ ok: false, seq: 4, code: 'audit_log_broken' });
  });

  it('bad input: nobody eligible, a drand round in the past, an unknown chain', async () => {
    const nobody = definition('nobody', { eligibility: { segment: { attribute: { key: 'vip', op: 'eq', value: 'never' } } } });
    expect((await api.call('POST', '/v1/draws', marketer, nobody)).status).toBe(201);
    const close = await api.call('POST', '/v1/draws/nobody/close', admin);
    expect(close.status).toBe(422);
    expect(close.body.code).toBe('draw_no_entries');
    expect(await status('nobody')).toBe('open');
    expect((await auditLog(env.ctx.pool, 'nobody')).map((e) => e.kind)).toEqual(['rules']);

    const past = await api.call('POST', '/v1/draws', marketer, definition('past', { randomness: { drand: { round: 123 } } }));
    expect(past.status).toBe(422); // a well-formed definition whose round is already out
    expect(past.body.code).toBe('drand_round_in_past');
    expect((await api.call('GET', '/v1/public/draws/past', undefined)).status).toBe(404);

    const unknown = await api.call('POST', '/v1/draws', marketer, definition('unknown-chain', { randomness: { drand: { chainHash: 'ab'.repeat(32), round: 10 ** 9 } } }));
    expect(unknown.body).toMatchObject({ status: 422, code: 'drand_unknown_chain' }); // well formed; this Laurel does not accept the chain

    const invalid = await api.call('POST', '/v1/draws', marketer, definition('bad', { prizes: [] }));
    expect(invalid.body.code).toBe('invalid_draw');
  });

  it('a draw whose window closes with no entries becomes void, with the reason in its audit log', async () => {
    const id = 'empty-window';
    const res = await api.call('POST', '/v1/draws', marketer, definition(id, { entryEndsAt: new Date(Date.now() + 1500).toISOString(), eligibility: { segment: { tier: { in: ['no-such-tier'] } } } }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const result = await env.ctx.temporal.workflow.getHandle(`draw:${id}`).result();
    expect(result).toEqual({ status: 'void', reason: 'no_entries' });
    expect((await auditLog(env.ctx.pool, id)).map((e) => e.kind)).toEqual(['rules', 'void']);
  });
});
