import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/index.js';
import { createApiKey, issueMemberToken } from '../../../src/auth/index.js';
import { startDeliveryService, type DeliveryService } from '../../../src/messaging/index.js';
import { createRedis } from '../../../src/queues/index.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { seedMembers, waitFor } from './support/fixtures.js';

describe('messaging API', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let service: DeliveryService;
  let marketer: string;
  let ingest: string;
  const address = (local: string) => `${local}@${env.id}-a.test`;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', PUBLIC_URL: 'https://rewards.example.test' });
    app = await buildServer(env.ctx);
    marketer = (await createApiKey(env.ctx.pool, { role: 'marketer', name: 'm' })).key;
    ingest = (await createApiKey(env.ctx.pool, { role: 'ingest', name: 'i' })).key;
    await seedMembers(env.ctx.pool, [
      { id: 'ana', email: `ana@${env.id}-a.test`, firstName: 'Ana', tier: 'gold', consent: { email: { marketing: true } } },
      { id: 'reza', email: `reza@${env.id}-a.test`, firstName: 'رضا', tier: 'diamond', locale: 'fa', timeZone: 'Asia/Tehran' },
      { id: 'nomail', tier: 'bronze' },
      { id: 'bademail', email: 'ana at example', tier: 'bronze' },
    ]);
    service = await startDeliveryService({ config: env.config, smtpUrl: env.urls.smtpUrl, pool: env.ctx.pool, redis: env.ctx.redis, connection: createRedis(env.urls.redisUrl), logger: env.ctx.logger });
  });

  afterAll(async () => {
    await service?.stop();
    await app?.close();
    await env?.cleanup();
  });

  const expiringVars = { points: 3500, expiresAt: '2027-01-05T20:29:59Z', balance: 12_750 };

  it('preview for a sample: subject, html, text; fa gold is right-to-left', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/messages/preview', headers: as(marketer), payload: { message: 'points_expiring', channel: 'email', sample: { tier: 'gold', locale: 'fa' } } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ templateKey: 'points_expiring/email.gold.fa.hbs', dir: 'rtl', locale: 'fa', kind: 'transactional' });
    expect(body.subject).toContain('۳٬۵۰۰');
    expect(body.html).toContain('dir="rtl"');
    expect(typeof body.text).toBe('string');
  });

  it('preview for a member uses the member tier, locale and name', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/messages/preview', headers: as(marketer), payload: { message: 'points_expiring', channel: 'email', memberId: 'reza', vars: expiringVars } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ templateKey: 'points_expiring/email.diamond.fa.hbs', dir: 'rtl' });
    expect(res.json().html).toContain('رضا');
  });

  it('test-send delivers the rendered message to the given address without a member', async () => {
    const to = address('qa-inbox');
    const res = await app.inject({ method: 'POST', url: '/v1/messages/test-send', headers: as(marketer), payload: { message: 'winback_offer', channel: 'email', to, sample: { tier: 'diamond', locale: 'en' } } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ category: 'test', recipient: to, status: 'queued' });
    const [mail] = await waitForMail(env.stack.mailboxUrl, to);
    expect(mail!.subject.length).toBeGreaterThan(0);
    expect(mail!.headers['x-laurel-message-id']).toBe(res.json().id);
  });

  it('one-off send: accepted, sent, visible with its status on the member', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: as(marketer),
      payload: { memberId: 'ana', message: 'points_expiring', channel: 'email', vars: expiringVars, idempotencyKey: 'promo-1' },
    });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    expect(id).toBe('oneoff.promo-1.email.ana');
    await waitForMail(env.stack.mailboxUrl, address('ana'));
    const status = await waitFor('sent', async () => {
      const r = await app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: as(marketer) });
      return r.json().status === 'sent' ? r.json() : undefined;
    });
    expect(status).toMatchObject({ memberId: 'ana', message: 'points_expiring', attempts: 1, reason: null, templateKey: 'points_expiring/email.gold.hbs' });
    // The same idempotency key is the same message.
    const again = await app.inject({ method: 'POST', url: '/v1/messages', headers: as(marketer), payload: { memberId: 'ana', message: 'points_expiring', channel: 'email', vars: expiringVars, idempotencyKey: 'promo-1' } });
    expect(again.json()).toMatchObject({ id, status: 'sent' });

    const token = issueMemberToken(env.config.memberTokenSecret, 'ana', 300).token;
    const mine = await app.inject({ method: 'GET', url: '/v1/members/ana/messages', headers: as(token) });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items.map((m: { id: string; status: string }) => [m.id, m.status])).toEqual([[id, 'sent']]);
    const theirs = await app.inject({ method: 'GET', url: '/v1/members/reza/messages', headers: as(token) });
    expect(theirs.statusCode).toBe(403);
  });

  describe('bad input is refused with a clear error before anything is queued', () => {
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['unknown template', { memberId: 'ana', message: 'nope_message', channel: 'email' }, 404, 'template_not_found'],
      ['missing variable', { memberId: 'ana', message: 'points_expiring', channel: 'email', vars: { points: 1 } }, 400, 'template_variable_missing'],
      ['invalid email', { memberId: 'bademail', message: 'points_expired', channel: 'email', vars: { points: 1, balance: 2 } }, 422, 'invalid_recipient'],
      ['no email', { memberId: 'nomail', message: 'points_expired', channel: 'email', vars: { points: 1, balance: 2 } }, 422, 'missing_recipient'],
      ['unknown member', { memberId: 'ghost', message: 'points_expired', channel: 'email', vars: { points: 1, balance: 2 } }, 404, 'unknown_member'],
      ['bad channel', { memberId: 'ana', message: 'points_expired', channel: 'fax' }, 400, 'invalid_request'],
    ];
    for (const [name, payload, status, code] of cases) {
      it(name, async () => {
        const res = await app.inject({ method: 'POST', url: '/v1/messages', headers: as(marketer), payload });
        expect(res.statusCode).toBe(status);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json().code).toBe(code);
        expect(res.json().detail ?? res.json().title).toBeTruthy();
      });
    }
    it('test-send to an invalid address', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/messages/test-send', headers: as(marketer), payload: { message: 'points_expired', channel: 'sms', to: '12345' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('invalid_recipient');
    });
    it('only marketers and admins send', async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/messages', headers: as(ingest), payload: { memberId: 'ana', message: 'points_expired', channel: 'email' } });
      expect(res.statusCode).toBe(403);
    });
  });

  it('dead letters are listed with their reason', async () => {
    await env.ctx.pool.query(`INSERT INTO messages (id, channel, kind, member_id, vars) VALUES ('dead.1', 'email', 'points_expired', 'ghost-2', '{}')`);
    await env.ctx.deliveryQueue.add('deliver', { messageId: 'dead.1' }, { jobId: 'dead.1' });
    const dead = await waitFor('dead letter', async () => {
      const r = await app.inject({ method: 'GET', url: '/v1/messages?status=dead', headers: as(marketer) });
      return r.json().items.find((m: { id: string }) => m.id === 'dead.1');
    });
    expect(dead.reason).toBe('unknown_member: member ghost-2 does not exist');
  });

  it('stats count messages by status', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/messages/stats', headers: as(marketer) });
    expect(res.statusCode).toBe(200);
    const stats = res.json();
    for (const key of ['queued', 'held', 'sent', 'failed', 'suppressed', 'capped', 'dead']) expect(typeof stats[key]).toBe('number');
    expect(stats.sent).toBeGreaterThanOrEqual(2);
    expect(stats.dead).toBeGreaterThanOrEqual(1);
  });

  it('inbox: the member lists their messages and marks one read', async () => {
    const send = await app.inject({ method: 'POST', url: '/v1/messages', headers: as(marketer), payload: { memberId: 'ana', message: 'points_expired', channel: 'inbox', vars: { points: 800, balance: 9250 } } });
    expect(send.statusCode).toBe(202);
    const token = issueMemberToken(env.config.memberTokenSecret, 'ana', 300).token;
    const inbox = await waitFor<{ unread: number; items: { id: string; title: string }[] }>('inbox item', async () => {
      const r = await app.inject({ method: 'GET', url: '/v1/members/ana/inbox', headers: as(token) });
      return r.json().items.length === 1 ? r.json() : undefined;
    });
    expect(inbox.unread).toBe(1);
    const item = inbox.items[0]!;
    expect(item.title).toContain('800');
    const read = await app.inject({ method: 'POST', url: `/v1/members/ana/inbox/${item.id}/read`, headers: as(token) });
    expect(read.statusCode).toBe(200);
    expect(read.json().readAt).not.toBeNull();
    const after = await app.inject({ method: 'GET', url: '/v1/members/ana/inbox?unread=true', headers: as(token) });
    expect(after.json()).toMatchObject({ items: [], unread: 0 });
    const other = await app.inject({ method: 'GET', url: '/v1/members/reza/inbox', headers: as(token) });
    expect(other.statusCode).toBe(403);
  });

  it('marketer templates: validated on save (unknown helpers and variables listed), versioned, used by delivery', async () => {
    const bad = await app.inject({
      method: 'PUT',
      url: '/v1/templates/points_expired/email.gold.hbs',
      headers: as(marketer),
      payload: { source: '--- subject\n{{lookup member "x"}} {{shout points}}\n--- html\n<p>{{member.password}} {{constructor.name}}</p>' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('template_invalid');
    expect(bad.json().unknownHelpers).toEqual(expect.arrayContaining(['lookup', 'shout']));
    expect(bad.json().unknownVariables).toEqual(expect.arrayContaining(['member.password']));

    const source = (n: number) => `--- subject\nv${n}: {{points points}} points expired\n--- html\n<p>Hi {{member.firstName}}, {{points points}} expired; {{points balance}} left.</p>\n--- text\nv${n}: {{points points}} expired`;
    const v1 = await app.inject({ method: 'PUT', url: '/v1/templates/points_expired/email.gold.hbs', headers: as(marketer), payload: { source: source(1) } });
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toMatchObject({ version: 1 });
    expect(v1.json().previews).toHaveLength(8); // every sample tier x locale
    const v2 = await app.inject({ method: 'PUT', url: '/v1/templates/points_expired/email.gold.hbs', headers: as(marketer), payload: { source: source(2) } });
    expect(v2.json()).toMatchObject({ version: 2 });
    const versions = await app.inject({ method: 'GET', url: '/v1/templates/points_expired', headers: as(marketer) });
    expect(versions.json().versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const preview = await app.inject({ method: 'POST', url: '/v1/messages/preview', headers: as(marketer), payload: { message: 'points_expired', channel: 'email', memberId: 'ana', vars: { points: 5, balance: 6 } } });
    expect(preview.json()).toMatchObject({ templateKey: 'points_expired/email.gold.hbs', subject: 'v2: 5 points expired' });
    // The worker's cached snapshot refreshes within seconds.
    await new Promise((r) => setTimeout(r, 2100));
    await app.inject({ method: 'POST', url: '/v1/messages', headers: as(marketer), payload: { memberId: 'ana', message: 'points_expired', channel: 'email', vars: { points: 7, balance: 8 } } });
    const mails = await waitFor('the marketer template mail', async () => {
      const all = await waitForMail(env.stack.mailboxUrl, address('ana'), 2, 100);
      return all.find((m) => m.subject === 'v2: 7 points expired');
    });
    expect(mails.text).toContain('v2: 7 expired');
  });
});
