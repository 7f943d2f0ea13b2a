import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { ingestEvent } from '../../../src/ledger/index.js';
import { upsertMember } from '../../../src/members/index.js';
import type { ProgramDefinition } from '../../../src/program/index.js';
import { startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, publishExample } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { WebhookReceiver, type ReceivedWebhook } from './support/webhook-receiver.js';

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const WEBHOOK_ENV = { WEBHOOK_BACKOFF_MS: '40', WEBHOOK_ATTEMPTS: '5', WEBHOOK_TIMEOUT_MS: '1500', WEBHOOK_ORDER_WINDOW_MS: '300', NOTIFY_CHANNELS: 'inbox', QUIET_HOURS: 'off' };

describe('outbound webhooks: committed facts → signed deliveries, in order per member, retried, replayable', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  let admin: string;
  const receiver = new WebhookReceiver();
  let receiverUrl: string;
  let worker: Role | undefined;

  beforeAll(async () => {
    env = await createTestEnv(WEBHOOK_ENV);
    program = await publishExample(env, 'reference');
    receiverUrl = await receiver.start();
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await receiver.stop();
    await env?.cleanup();
  });

  const deliveries = async (webhookId: string) =>
    (await env.ctx.pool.query<{ id: string; status: string; attempts: number; type: string; member_id: string | null }>(
      `SELECT d.id, d.status, d.attempts, e.type, e.member_id FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq WHERE d.subscription_id = $1 ORDER BY d.id`,
      [webhookId],
    )).rows;
  const member = (id: string) => upsertMember(env.ctx.pool, id, { email: `${id}@example.test` }, program, 'test');
  const purchase = (memberId: string, orderId: string, amount = 200_000) => ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount, orderId }, { source: 'api' });
  /** What the facts of a member should look like to the receiver, in order. */
  const typesOf = (list: ReceivedWebhook[], memberId: string) => list.filter((r) => r.memberId === memberId).map((r) => `${r.type}:${r.webhookId}`);

  it('facts nobody consumes are not written; subscriptions are validated, admin only, and audit logged without their secret', async () => {
    const factRows = async () => (await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE queue = 'facts'`)).rows[0]!.n;
    await member('nobody');
    expect(await factRows()).toBe(0);
    const marketer = await apiKey(env, 'marketer');
    expect((await api.call('PUT', '/v1/webhooks/crm', undefined, { url: receiverUrl, eventTypes: ['*'] })).status).toBe(401);
    expect((await api.call('PUT', '/v1/webhooks/crm', marketer, { url: receiverUrl, eventTypes: ['*'] })).status).toBe(403);
    const badUrl = await api.call('PUT', '/v1/webhooks/crm', admin, { url: 'ftp://example.test/x', eventTypes: ['*'] });
    expect(badUrl).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(String(badUrl.body.detail)).toMatch(/^body\.url: /);
    const badType = await api.call('PUT', '/v1/webhooks/crm', admin, { url: receiverUrl, eventTypes: ['points.earnt'] });
    expect(badType.status).toBe(400);
    expect(String(badType.body.detail)).toContain('body.eventTypes.0');
    expect((await api.call('PUT', '/v1/webhooks/crm', admin, { url: receiverUrl, eventTypes: [] })).status).toBe(400);
    expect((await api.call('GET', '/v1/webhooks/nope', admin)).body.code).toBe('unknown_webhook');

    const types = await api.call('GET', '/v1/webhooks/event-types', admin);
    expect((types.body.eventTypes as { type: string }[]).map((t) => t.type)).toEqual(expect.arrayContaining(['member.created', 'points.earned', 'tier.changed', 'mission.completed', 'draw.drawn']));

    const created = await api.call('PUT', '/v1/webhooks/audit-probe', admin, { url: receiverUrl, eventTypes: ['member.created'], description: 'probe' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect((await api.call('PUT', '/v1/webhooks/audit-probe', admin, { url: `${receiverUrl}/v2`, eventTypes: ['member.created'] })).status).toBe(200);
    await member('somebody');
    expect(await factRows()).toBe(1);
    const log = await api.call('GET', '/v1/audit-log?subject=webhook:audit-probe', admin);
    const entries = log.body.items as { action: string; after: Record<string, unknown> }[];
    expect(entries.map((e) => e.action).sort()).toEqual(['webhook.create', 'webhook.update']);
    expect(JSON.stringify(entries)).not.toContain(String(created.body.secret));
    expect((await api.call('DELETE', '/v1/webhooks/audit-probe', admin)).body.status).toBe('disabled');
  });

  it('a receiver that fails 3 times then succeeds gets each event once, in order per member, signed every time', async () => {
    const created = await api.call('PUT', '/v1/webhooks/crm', admin, { url: `${receiverUrl}/crm`, eventTypes: ['member.created', 'points.earned', 'tier.changed'] });
    expect(created.status).toBe(201);
    receiver.secret = String(created.body.secret);
    const failures = new Map<string, number>();
    receiver.decide = (r) => {
      const n = (failures.get(r.webhookId) ?? 0) + 1;
      failures.set(r.webhookId, n);
      return n <= 3 ? 500 : 200;
    };
    // Facts are committed before the worker runs: the backlog goes out in order.
    const members = ['wa', 'wb', 'wc'];
    const expected = new Map<string, string[]>();
    for (const id of members) {
      await member(id);
      const events = [await purchase(id, `${id}-1`), await purchase(id, `${id}-2`, 5_000_000), await purchase(id, `${id}-3`)];
      expected.set(id, [
        `member.created:member.created.${id}`,
        `points.earned:points.earned.${events[0]!.eventId}`,
        `points.earned:points.earned.${events[1]!.eventId}`,
        // 500 qualifying points: silver, upgraded by the second purchase.
        `tier.changed:tier.changed.${events[1]!.eventId}`,
        `points.earned:points.earned.${events[2]!.eventId}`,
      ]);
    }
    worker = await startWorkerRole(env.ctx);
    // (The member created in the first test is announced too: its fact was still in the outbox.)
    const ours = async () => (await deliveries('crm')).filter((d) => members.includes(d.member_id ?? ''));
    await until('every delivery succeeded', ours, (rows) => rows.length === 15 && rows.every((r) => r.status === 'succeeded'), 60_000);

    const processed = receiver.processed((r) => r.path === '/crm');
    for (const id of members) expect(typesOf(processed, id)).toEqual(expected.get(id));
    const requests = receiver.received.filter((r) => r.path === '/crm' && members.includes(r.memberId ?? ''));
    const perId = new Map<string, number>();
    for (const r of requests) perId.set(r.webhookId, (perId.get(r.webhookId) ?? 0) + 1);
    expect(Object.fromEntries([...perId].filter(([, n]) => n !== 4)), JSON.stringify(await ours())).toEqual({});
    expect(requests).toHaveLength(15 * 4);
    expect(requests.every((r) => r.signatureValid)).toBe(true);
    // Per member, no event was attempted before the previous one succeeded.
    for (const id of members) {
      const seen = requests.filter((r) => r.memberId === id).map((r) => r.webhookId);
      const firstSeen = [...new Set(seen)];
      expect(firstSeen.map((w) => seen.lastIndexOf(w))).toEqual([...firstSeen.map((w) => seen.lastIndexOf(w))].sort((a, b) => a - b));
      expect(seen).toEqual(firstSeen.flatMap((w) => [w, w, w, w]));
    }
    expect((await ours()).every((d) => d.attempts === 4)).toBe(true);

    // The recorded answers, attempt by attempt.
    const one = (await deliveries('crm')).find((d) => d.type === 'member.created' && d.member_id === 'wa')!;
    const detail = await api.call('GET', `/v1/webhooks/crm/deliveries/${one.id}`, admin);
    expect(detail.status).toBe(200);
    expect((detail.body.attemptLog as { statusCode: number; responseBody: string }[]).map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect((detail.body.attemptLog as { responseBody: string }[])[3]!.responseBody).toBe('{"ok":true}');
    expect(detail.body.event).toMatchObject({ id: 'member.created.wa', type: 'member.created', data: { memberId: 'wa', tierId: 'bronze' } });
    const page = await api.call('GET', '/v1/webhooks/crm/deliveries?memberId=wb&limit=2', admin);
    expect((page.body.deliveries as unknown[]).length).toBe(2);
    const next = await api.call('GET', `/v1/webhooks/crm/deliveries?memberId=wb&limit=10&before=${encodeURIComponent(String(page.body.next))}`, admin);
    expect((next.body.deliveries as unknown[]).length).toBe(3);
    expect(next.body.next).toBeNull();
  });

  it('a delivery that runs out of attempts is dead, the lane goes on; a replay resends it with the same webhook id', async () => {
    const created = await api.call('PUT', '/v1/webhooks/down', admin, { url: `${receiverUrl}/down`, eventTypes: ['member.created', 'points.earned'] });
    receiver.secret = String(created.body.secret);
    let down = true;
    receiver.decide = (r) => (r.path === '/down' && down ? { status: 503, headers: { 'retry-after': '0' } } : 200);
    const from = new Date(Date.now() - 1000).toISOString();
    await member('wd');
    const event = await purchase('wd', 'wd-1');
    await until('both dead', () => deliveries('down'), (rows) => rows.length === 2 && rows.every((r) => r.status === 'dead'));
    expect((await deliveries('down')).map((d) => d.attempts)).toEqual([5, 5]);
    const dead = await api.call('GET', '/v1/webhooks/down/deliveries?status=dead', admin);
    expect((dead.body.deliveries as { lastStatus: number; lastError: string }[]).map((d) => d.lastStatus)).toEqual([503, 503]);

    down = false;
    const replay = await api.call('POST', '/v1/webhooks/down/replay', admin, { from });
    expect(replay).toMatchObject({ status: 202, body: { replayed: 2 } });
    await until('replays succeeded', () => deliveries('down'), (rows) => rows.filter((r) => r.status === 'succeeded').length === 2);
    const ok = receiver.processed((r) => r.path === '/down');
    expect(ok.map((r) => r.webhookId)).toEqual(['member.created.wd', `points.earned.${event.eventId}`]);
    // One delivery replayed by id: the receiver sees the same webhook id once more.
    const first = (await deliveries('down')).find((d) => d.status === 'succeeded' && d.type === 'member.created')!;
    const again = await api.call('POST', `/v1/webhooks/down/deliveries/${first.id}/replay`, admin);
    expect(again.status).toBe(202);
    await until('replay of the replay', () => deliveries('down'), (rows) => rows.filter((r) => r.status === 'succeeded').length === 3);
    expect(receiver.received.filter((r) => r.path === '/down' && r.webhookId === 'member.created.wd' && r.answered === 200)).toHaveLength(2);
    expect((await api.call('POST', '/v1/webhooks/down/replay', admin, { from: new Date().toISOString(), to: from })).status).toBe(422);
  });

  it('a paused subscription keeps its deliveries and sends them in order when resumed; a disabled one cancels them', async () => {
    const created = await api.call('PUT', '/v1/webhooks/later', admin, { url: `${receiverUrl}/later`, eventTypes: ['points.earned'], status: 'paused' });
    receiver.secret = String(created.body.secret);
    receiver.decide = () => 200;
    await member('wp');
    const events = [await purchase('wp', 'wp-1'), await purchase('wp', 'wp-2'), await purchase('wp', 'wp-3')];
    await until('recorded', () => deliveries('later'), (rows) => rows.length === 3);
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.received.filter((r) => r.path === '/later')).toEqual([]);
    expect((await api.call('PUT', '/v1/webhooks/later', admin, { url: `${receiverUrl}/later`, eventTypes: ['points.earned'] })).status).toBe(200);
    await until('resumed', () => deliveries('later'), (rows) => rows.every((r) => r.status === 'succeeded'));
    expect(receiver.processed((r) => r.path === '/later').map((r) => r.webhookId)).toEqual(events.map((e) => `points.earned.${e.eventId}`));

    await api.call('PUT', '/v1/webhooks/later', admin, { url: `${receiverUrl}/later`, eventTypes: ['points.earned'], status: 'paused' });
    await purchase('wp', 'wp-4');
    await until('recorded', () => deliveries('later'), (rows) => rows.length === 4);
    expect((await api.call('DELETE', '/v1/webhooks/later', admin)).status).toBe(200);
    expect((await deliveries('later')).filter((d) => d.status === 'cancelled')).toHaveLength(1);
    await purchase('wp', 'wp-5');
    await new Promise((r) => setTimeout(r, 500));
    expect(await deliveries('later')).toHaveLength(4);
    expect((await api.call('POST', '/v1/webhooks/later/test', admin)).body.code).toBe('webhook_disabled');
  });

  it('a test delivery reaches only that subscription', async () => {
    const res = await api.call('POST', '/v1/webhooks/crm/test', admin);
    expect(res.status).toBe(202);
    await until('test delivered', async () => receiver.received.filter((r) => r.type === 'webhook.test'), (list) => list.some((r) => r.answered === 200));
    expect(new Set(receiver.received.filter((r) => r.type === 'webhook.test').map((r) => r.path))).toEqual(new Set(['/crm']));
  });
});

describe('webhooks: a SIGKILL of the worker mid-delivery neither loses nor doubles an event', () => {
  let env: TestEnv;
  let program: ProgramDefinition;
  let api: Api;
  const receiver = new WebhookReceiver();
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    env = await createTestEnv(WEBHOOK_ENV);
    program = await publishExample(env, 'reference');
    api = await Api.start(env);
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await api?.close();
    await receiver.stop();
    await env?.cleanup();
  });

  function spawnWorker(): ChildProcess {
    const proc = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/laurel.js'), 'worker'], {
      env: {
        ...process.env,
        ...WEBHOOK_ENV,
        WEBHOOK_TIMEOUT_MS: '2000',
        DATABASE_URL: env.urls.databaseUrl,
        REDIS_URL: env.urls.redisUrl,
        TEMPORAL_ADDRESS: env.urls.temporalAddress,
        TEMPORAL_NAMESPACE: env.config.temporalNamespace,
        SMTP_URL: env.urls.smtpUrl,
        QUEUE_PREFIX: env.config.queuePrefix,
        TEMPORAL_TASK_QUEUE: env.config.taskQueue,
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // A worker that cannot start says why in the test output (LOG_LEVEL error: quiet otherwise).
    proc.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    return proc;
  }

  it('the event in flight at the kill is sent again with the same webhook id after the restart; every event is processed once, in order', async () => {
    const url = await receiver.start();
    const admin = await apiKey(env, 'admin');
    const created = await api.call('PUT', '/v1/webhooks/erp', admin, { url, eventTypes: ['member.created', 'points.earned'] });
    receiver.secret = String(created.body.secret);
    const members = ['ka', 'kb', 'kc'];
    const expected = new Map<string, string[]>();
    for (const id of members) {
      await upsertMember(env.ctx.pool, id, { email: `${id}@example.test` }, program, 'test');
      const events = [];
      for (let i = 1; i <= 3; i += 1) events.push(await ingestEvent(env.ctx.pool, { memberId: id, type: 'purchase', amount: 200_000, orderId: `${id}-${i}` }, { source: 'api' }));
      expected.set(id, [`member.created.${id}`, ...events.map((e) => `points.earned.${e.eventId}`)]);
    }
    const victim = expected.get('kb')![2]!;
    let hung = false;
    receiver.decide = (r) => {
      if (r.webhookId === victim && !hung) {
        hung = true;
        return 'hang';
      }
      return 200;
    };
    child = spawnWorker();
    // The worker process starts cold (module loading takes a minute on a loaded 2-core machine).
    await until('the victim in flight', async () => hung, (h) => h, 150_000);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    const atKill = receiver.received.length;
    child = spawnWorker();
    const rows = await until(
      'every delivery succeeded after the restart',
      async () => (await env.ctx.pool.query<{ status: string; attempts: number; event_id: string }>(`SELECT d.status, d.attempts, e.id AS event_id FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq`)).rows,
      (list) => list.length === 12 && list.every((r) => r.status === 'succeeded'),
      90_000,
    );
    expect(receiver.received.length).toBeGreaterThan(atKill);
    // Nothing lost: every event processed; nothing doubled: once each after deduplication, and
    // the only event that arrived twice is the one in flight at the kill, with the same id.
    const processed = receiver.processed();
    for (const id of members) expect(processed.filter((r) => r.memberId === id).map((r) => r.webhookId)).toEqual(expected.get(id));
    // Raw requests: an event arrives twice only when it was in flight at the kill (the hung one,
    // and any other lane's head whose answer the killed worker had not recorded yet): its first
    // attempt is recorded as interrupted, and the second carries the same webhook id.
    const counts = new Map<string, number>();
    for (const r of receiver.received) counts.set(r.webhookId, (counts.get(r.webhookId) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice.every(([, n]) => n === 2)).toBe(true);
    expect(twice.map(([id]) => id)).toContain(victim);
    const attempts = await env.ctx.pool.query<{ event_id: string; attempt: number; status_code: number | null; error: string | null }>(
      `SELECT e.id AS event_id, a.attempt, a.status_code, a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhook_events e ON e.seq = d.event_seq ORDER BY e.id, a.attempt`,
    );
    for (const [id] of twice) {
      const mine = attempts.rows.filter((a) => a.event_id === id);
      expect(mine.map((a) => a.attempt)).toEqual([1, 2]);
      expect(mine[0]!.error).toMatch(/^interrupted/);
      expect(mine[1]).toMatchObject({ status_code: 200, error: null });
    }
    // A delivery claimed but not yet sent at the kill also needed a second attempt, sent once.
    for (const row of rows.filter((r) => r.attempts > 1)) {
      expect(row.attempts).toBe(2);
      expect(attempts.rows.find((a) => a.event_id === row.event_id && a.attempt === 1)!.error).toMatch(/^interrupted/);
    }
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  });
});
