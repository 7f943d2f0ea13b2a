import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/index.js';
import { addSuppression, insertSendRecords, startDeliveryService, type DeliveryService, type MessageRequest } from '../../../src/messaging/index.js';
import { createRedis } from '../../../src/queues/index.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { makeDelivery, seedMembers, waitFor } from './support/fixtures.js';

const MARKETING_EMAIL = { email: { marketing: true } };

describe('policies: consent, suppression, one-click unsubscribe, frequency caps, quiet hours', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const address = (local: string) => `${local}@${env.id}-p.test`;

  beforeAll(async () => {
    env = await createTestEnv({ PUBLIC_URL: 'https://rewards.example.test', QUIET_HOURS: 'off' });
    app = await buildServer(env.ctx);
    await seedMembers(env.ctx.pool, [
      { id: 'no-consent', email: `no-consent@${env.id}-p.test` },
      { id: 'opted-in', email: `opted-in@${env.id}-p.test`, consent: MARKETING_EMAIL },
      { id: 'unsub', email: `unsub@${env.id}-p.test`, tier: 'gold', consent: MARKETING_EMAIL },
      { id: 'no-transactional', email: `no-transactional@${env.id}-p.test`, consent: { email: { transactional: false } } },
      { id: 'bounced', email: `Bounced@${env.id}-p.test`, consent: MARKETING_EMAIL },
      { id: 'diamond', email: `diamond@${env.id}-p.test`, tier: 'diamond', consent: MARKETING_EMAIL, timeZone: 'Asia/Tehran', locale: 'fa' },
      { id: 'bronze', email: `bronze@${env.id}-p.test`, tier: 'bronze', consent: MARKETING_EMAIL, timeZone: 'America/New_York' },
      { id: 'night-owl', email: `night-owl@${env.id}-p.test`, tier: 'gold', consent: MARKETING_EMAIL, timeZone: 'Asia/Tehran' },
    ]);
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const winback = (id: string, memberId: string): MessageRequest => ({
    id,
    message: 'winback_offer',
    channel: 'email',
    memberId,
    vars: { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2027-12-04T20:29:59Z' },
  });
  const expired = (id: string, memberId: string): MessageRequest => ({ id, message: 'points_expired', channel: 'email', memberId, vars: { points: 800, balance: 9250 } });

  async function statusOf(id: string): Promise<{ status: string; error: string | null; held_until: Date | null }> {
    const { rows } = await env.ctx.pool.query(`SELECT status, error, held_until FROM messages WHERE id = $1`, [id]);
    return rows[0] as { status: string; error: string | null; held_until: Date | null };
  }

  it('consent: marketing needs an explicit opt-in for the channel; transactional goes unless opted out', async () => {
    const { delivery, close } = makeDelivery(env);
    try {
      await insertSendRecords(env.ctx.pool, [winback('c.1', 'no-consent'), winback('c.2', 'opted-in'), expired('c.3', 'no-consent'), expired('c.4', 'no-transactional')]);
      expect(await delivery.deliver('c.1')).toMatchObject({ status: 'suppressed' });
      expect((await statusOf('c.1')).error).toBe('no_consent: the member has not consented to marketing email');
      expect(await delivery.deliver('c.2')).toMatchObject({ status: 'sent' });
      expect(await delivery.deliver('c.3')).toMatchObject({ status: 'sent' });
      expect(await delivery.deliver('c.4')).toMatchObject({ status: 'suppressed' });
      expect((await statusOf('c.4')).error).toBe('no_consent: the member has not consented to transactional email');
    } finally {
      await close();
    }
  });

  it('suppression list: a hard bounce stops every message to the address; case does not matter', async () => {
    await addSuppression(env.ctx.pool, { channel: 'email', address: address('bounced'), scope: 'all', reason: 'hard bounce 550 5.1.1' });
    const { delivery, close } = makeDelivery(env);
    try {
      await insertSendRecords(env.ctx.pool, [expired('s.1', 'bounced'), winback('s.2', 'bounced')]);
      expect(await delivery.deliver('s.1')).toMatchObject({ status: 'suppressed' });
      expect(await delivery.deliver('s.2')).toMatchObject({ status: 'suppressed' });
      expect((await statusOf('s.1')).error).toMatch(/suppression list \(hard bounce 550 5\.1\.1\)/);
    } finally {
      await close();
    }
  });

  it('one-click unsubscribe: List-Unsubscribe + List-Unsubscribe-Post headers; the signed URL withdraws consent and suppresses', async () => {
    const { delivery, close } = makeDelivery(env);
    try {
      await insertSendRecords(env.ctx.pool, [winback('u.1', 'unsub')]);
      expect(await delivery.deliver('u.1')).toMatchObject({ status: 'sent' });
      const mails = await waitForMail(env.stack.mailboxUrl, address('unsub'), 1);
      const mail = mails.find((m) => m.headers['x-laurel-message-id'] === 'u.1')!;
      // MailDev's parsed headers leave out List-*: read them from the raw message.
      const raw = await (await fetch(`${env.stack.mailboxUrl}/api/email/${mail.id}/source`)).text();
      const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
      expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
      const url = /^List-Unsubscribe: <(.+)>$/m.exec(head)![1]!;
      expect(url).toMatch(/^https:\/\/rewards\.example\.test\/v1\/unsubscribe\/[\w-]+\.[\w-]+$/);
      expect(mail.html).toContain(url); // the footer link is the same signed URL
      const path = new URL(url).pathname;

      // A tampered token is refused; a GET only shows the page.
      const tampered = await app.inject({ method: 'POST', url: `${path.slice(0, -2)}xx`, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(tampered.statusCode).toBe(404); // a link the server did not sign does not exist
      expect(tampered.json()).toMatchObject({ code: 'invalid_unsubscribe_link' });
      const page = await app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('method="post"');
      const { rows: before } = await env.ctx.pool.query(`SELECT consent FROM members WHERE id = 'unsub'`);
      expect(before[0].consent).toEqual(MARKETING_EMAIL);

      // What a mail client does (RFC 8058).
      const res = await app.inject({ method: 'POST', url: path, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ unsubscribed: true, channel: 'email' });
      const { rows } = await env.ctx.pool.query(`SELECT consent FROM members WHERE id = 'unsub'`);
      expect(rows[0].consent).toEqual({ email: { marketing: false } });
      const { rows: suppressed } = await env.ctx.pool.query(`SELECT scope, reason FROM suppressions WHERE address = $1`, [address('unsub')]);
      expect(suppressed).toEqual([{ scope: 'marketing', reason: 'unsubscribed' }]);

      await insertSendRecords(env.ctx.pool, [winback('u.2', 'unsub'), expired('u.3', 'unsub')]);
      expect(await delivery.deliver('u.2')).toMatchObject({ status: 'suppressed' });
      expect(await delivery.deliver('u.3')).toMatchObject({ status: 'sent' }); // transactional still goes
    } finally {
      await close();
    }
  });

  it('frequency caps per tier per calendar week in the member zone (diamond: 1); transactional exempt', async () => {
    // Wednesday 2026-12-02 10:00 Tehran; the Persian week began Saturday 2026-11-28.
    let now = new Date('2026-12-02T06:30:00Z');
    const { delivery, close } = makeDelivery(env, { now: () => now });
    try {
      await insertSendRecords(env.ctx.pool, [winback('f.1', 'diamond'), winback('f.2', 'diamond'), expired('f.3', 'diamond')]);
      expect(await delivery.deliver('f.1')).toMatchObject({ status: 'sent' });
      expect(await delivery.deliver('f.2')).toMatchObject({ status: 'capped' });
      expect((await statusOf('f.2')).error).toBe('frequency_cap: diamond members get at most 1 marketing message(s) per week');
      expect(await delivery.deliver('f.3')).toMatchObject({ status: 'sent' });
      // Saturday 00:30 Tehran is a new week there (still Friday in UTC).
      now = new Date('2026-12-04T21:00:00Z');
      await insertSendRecords(env.ctx.pool, [winback('f.4', 'diamond')]);
      expect(await delivery.deliver('f.4')).toMatchObject({ status: 'sent' });
    } finally {
      await close();
    }
  });

  it('frequency caps per calendar day in the member zone (bronze: 1 a day)', async () => {
    // 23:00 in New York on 1 December = 04:00 UTC on 2 December.
    let now = new Date('2026-12-02T04:00:00Z');
    const { delivery, close } = makeDelivery(env, { now: () => now });
    try {
      await insertSendRecords(env.ctx.pool, [winback('d.1', 'bronze'), winback('d.2', 'bronze')]);
      expect(await delivery.deliver('d.1')).toMatchObject({ status: 'sent' });
      expect(await delivery.deliver('d.2')).toMatchObject({ status: 'capped' });
      expect((await statusOf('d.2')).error).toMatch(/per day$/);
      now = new Date('2026-12-02T05:30:00Z'); // 00:30 on 2 December in New York: a new day
      await insertSendRecords(env.ctx.pool, [winback('d.3', 'bronze')]);
      expect(await delivery.deliver('d.3')).toMatchObject({ status: 'sent' });
    } finally {
      await close();
    }
  });

  it('quiet hours hold the message as a delayed job until the window opens in the member zone; it is then sent, never dropped', async () => {
    // Quiet hours 22:00-08:00; the member is in Tehran (UTC+3:30). Pick "now" relative to the real
    // clock so the delayed job can actually come due during the test.
    const realNow = Date.now();
    const tehranMinute = Math.floor((realNow + 3.5 * 3600_000) / 60_000) % (24 * 60);
    const end = (tehranMinute + 1) % (24 * 60);
    const start = (tehranMinute + 24 * 60 - 60) % (24 * 60);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const quiet = `${hhmm(start)}-${hhmm(end)}`;
    const holdEnv = { ...env, config: { ...env.config, messaging: { ...env.config.messaging, quietHours: quiet, deliveryLockMs: 5000 } } };
    const connection = createRedis(env.urls.redisUrl);
    let service: DeliveryService | undefined;
    try {
      service = await startDeliveryService({ config: holdEnv.config, smtpUrl: env.urls.smtpUrl, pool: env.ctx.pool, redis: env.ctx.redis, connection, logger: env.ctx.logger });
      await insertSendRecords(env.ctx.pool, [winback('q.1', 'night-owl'), expired('q.2', 'night-owl')]);
      await env.ctx.deliveryQueue.addBulk(['q.1', 'q.2'].map((id) => ({ name: 'deliver', data: { messageId: id }, opts: { jobId: id } })));
      const held = await waitFor('q.1 held', async () => ((await statusOf('q.1')).status === 'held' ? statusOf('q.1') : undefined));
      const job = await env.ctx.deliveryQueue.getJob('q.1');
      expect(await job!.getState()).toBe('delayed');
      expect(held.held_until!.getTime()).toBeGreaterThan(realNow);
      expect(held.held_until!.getTime()).toBeLessThanOrEqual(realNow + 120_000);
      // Transactional email is not held.
      await waitFor('q.2 sent', async () => (await statusOf('q.2')).status === 'sent');
      // When the window opens the same job runs again and the message goes out.
      await waitFor('q.1 sent', async () => (await statusOf('q.1')).status === 'sent', 150_000, 500);
      const mails = await waitForMail(env.stack.mailboxUrl, address('night-owl'), 2);
      expect(mails.filter((m) => m.headers['x-laurel-message-id'] === 'q.1')).toHaveLength(1);
    } finally {
      await service?.stop();
      connection.disconnect();
    }
  }, 180_000);
});
