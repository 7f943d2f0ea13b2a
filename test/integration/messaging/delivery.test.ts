import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enqueueDeliveries,
  insertSendRecords,
  sendMessages,
  startDeliveryService,
  type DeliveryService,
  type MessageRequest,
} from '../../../src/messaging/index.js';
import { signBody } from '../../../src/auth/index.js';
import { createRedis } from '../../../src/queues/index.js';
import { waitForMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { countByStatus, makeDelivery, seedMembers, spawnDeliveryWorker, waitFor } from './support/fixtures.js';

const SMS_SECRET = 'sms-test-secret-0123456789';

interface SmsCall {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('delivery through real Postgres, BullMQ, SMTP and an HTTP SMS provider', () => {
  let env: TestEnv;
  let service: DeliveryService;
  let sms: Server;
  const smsCalls: SmsCall[] = [];
  /** Status codes the SMS provider answers with, per phone number, in order (then 200). */
  const smsScript = new Map<string, number[]>();
  const domain = () => `${env.id}-d.test`;

  beforeAll(async () => {
    sms = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        smsCalls.push({ headers: req.headers, body });
        const to = (JSON.parse(body) as { to: string }).to;
        const status = smsScript.get(to)?.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(status === 200 ? { id: `prov-${smsCalls.length}` } : { error: 'nope' }));
      });
    });
    await new Promise<void>((r) => sms.listen(0, '127.0.0.1', r));
    env = await createTestEnv({
      SMS_WEBHOOK_URL: `http://127.0.0.1:${(sms.address() as AddressInfo).port}/sms`,
      SMS_WEBHOOK_SECRET: SMS_SECRET,
      MAILDEV_API_URL: '',
      QUIET_HOURS: 'off',
      DELIVERY_BACKOFF_MS: '100',
      DELIVERY_ATTEMPTS: '3',
      PUBLIC_URL: 'https://rewards.example.test',
    });
    const connection = createRedis(env.urls.redisUrl);
    service = await startDeliveryService({ config: env.config, smtpUrl: env.urls.smtpUrl, pool: env.ctx.pool, redis: env.ctx.redis, connection, logger: env.ctx.logger });
    await seedMembers(env.ctx.pool, [
      { id: 'gold-fa', email: `gold-fa@${env.id}-d.test`, firstName: 'سارا', locale: 'fa', timeZone: 'Asia/Tehran', tier: 'gold' },
      { id: 'bronze-en', email: `bronze-en@${env.id}-d.test`, firstName: 'Sam', locale: 'en', timeZone: 'Europe/London', tier: 'bronze' },
      { id: 'evil', email: `evil@${env.id}-d.test`, firstName: '<img src=x onerror=alert(1)>{{constructor.constructor}}', tier: 'bronze', attributes: { city: '<script>alert(2)</script>' } },
      { id: 'bad-email', email: 'not-an-address', tier: 'bronze' },
      { id: 'bad-phone', phone: '0912-123', tier: 'bronze' },
      { id: 'sms-ok', phone: '+989121110001', tier: 'diamond', locale: 'en' },
      { id: 'sms-5xx', phone: '+989121110002', tier: 'bronze' },
      { id: 'sms-4xx', phone: '+989121110003', tier: 'bronze' },
      { id: 'inbox-m', tier: 'silver' },
    ]);
  });

  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
    await new Promise<void>((r) => sms?.close(() => r()));
  });

  const expiring = (id: string, memberId: string, channel: MessageRequest['channel'] = 'email'): MessageRequest => ({
    id,
    message: 'points_expiring',
    channel,
    memberId,
    vars: { points: 3500, expiresAt: '2027-01-05T20:29:59Z', balance: 12_750 },
  });

  async function settled(id: string): Promise<{ status: string; error: string | null; attempts: number; template_key: string | null; provider_id: string | null }> {
    return waitFor(`message ${id} to settle`, async () => {
      const { rows } = await env.ctx.pool.query(`SELECT status, error, attempts, template_key, provider_id FROM messages WHERE id = $1`, [id]);
      const row = rows[0] as { status: string; error: string | null; attempts: number; template_key: string | null; provider_id: string | null } | undefined;
      return row && ['sent', 'dead', 'suppressed', 'capped'].includes(row.status) ? row : undefined;
    }, 30_000);
  }

  it('a gold member in fa gets the gold fa variant: Persian calendar, Persian digits, dir="rtl"', async () => {
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('render.gold-fa', 'gold-fa')]);
    const row = await settled('render.gold-fa');
    expect(row).toMatchObject({ status: 'sent', template_key: 'points_expiring/email.gold.fa.hbs', attempts: 1 });
    const [mail] = await waitForMail(env.stack.mailboxUrl, `gold-fa@${domain()}`);
    expect(mail!.html).toContain('dir="rtl"');
    expect(mail!.subject).toContain('یادآوری ویژه');
    expect(mail!.subject).toContain('۳٬۵۰۰'); // Persian digits and separator
    expect(mail!.html).toContain('دی'); // 5 January 2027 in Tehran is 15 Dey 1405
    expect(mail!.html).toContain('۱۴۰۵');
    expect(mail!.html).not.toMatch(/2027/);
    expect(mail!.headers['x-laurel-message-id']).toBe('render.gold-fa');
  });

  it('a bronze member in en gets the default English text', async () => {
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('render.bronze-en', 'bronze-en')]);
    expect(await settled('render.bronze-en')).toMatchObject({ status: 'sent', template_key: 'points_expiring/email.hbs' });
    const [mail] = await waitForMail(env.stack.mailboxUrl, `bronze-en@${domain()}`);
    expect(mail!.subject).toMatch(/^3,500 of your points expire /);
    expect(mail!.html).toContain('dir="ltr"');
    expect(mail!.html).toContain('January 5, 2027');
    expect(mail!.text).toContain('Hi Sam,');
  });

  it('member attributes with HTML or Handlebars syntax come out escaped, never executed', async () => {
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('inject.evil', 'evil')]);
    expect((await settled('inject.evil')).status).toBe('sent');
    const [mail] = await waitForMail(env.stack.mailboxUrl, `evil@${domain()}`);
    expect(mail!.html).not.toContain('<img src=x');
    expect(mail!.html).toContain('Hi &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(mail!.html).toContain('{{constructor.constructor}}'); // literal text, not evaluated
  });

  describe('bad input: a clear reason and a job that fails permanently, not retried', () => {
    const cases: [string, MessageRequest, RegExp][] = [
      ['unknown template', { id: 'bad.template', message: 'no_such_message', channel: 'email', memberId: 'bronze-en', category: 'transactional' }, /^template_not_found/],
      ['missing variable', { id: 'bad.variable', message: 'points_expiring', channel: 'email', memberId: 'bronze-en', vars: { points: 1 } }, /^template_variable_missing/],
      ['invalid email', expiring('bad.email', 'bad-email'), /^invalid_recipient: "not-an-address" is not a valid email address/],
      ['invalid phone', expiring('bad.phone', 'bad-phone', 'sms'), /^invalid_recipient: .* is not an E\.164 phone number/],
      ['unknown member', expiring('bad.member', 'nobody-here'), /^unknown_member: member nobody-here does not exist/],
    ];
    for (const [name, request, reason] of cases) {
      it(name, async () => {
        await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [request]);
        const row = await settled(request.id);
        expect(row.status).toBe('dead');
        expect(row.error).toMatch(reason);
        expect(row.attempts).toBeLessThanOrEqual(1);
        const job = await env.ctx.deliveryQueue.getJob(request.id);
        expect(await job!.getState()).toBe('failed');
        expect(job!.attemptsMade).toBe(1);
        expect(job!.failedReason).toMatch(reason);
      });
    }
  });

  it('SMS: JSON POST signed with HMAC-SHA256 and the message id as Idempotency-Key', async () => {
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [
      { id: 'sms.ok', message: 'tier_upgraded', channel: 'sms', memberId: 'sms-ok', vars: { fromTier: 'gold', toTier: 'diamond', earnBonusPercent: 50, tierExpiresAt: '2027-11-19T20:30:00Z' } },
    ]);
    expect(await settled('sms.ok')).toMatchObject({ status: 'sent', template_key: 'tier_upgraded/sms.diamond.hbs' });
    const call = smsCalls.find((c) => c.body.includes('"sms.ok"'))!;
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.headers['idempotency-key']).toBe('sms.ok');
    const signature = String(call.headers['x-laurel-signature']);
    const t = Number(/t=(\d+)/.exec(signature)![1]);
    expect(signature).toBe(signBody([SMS_SECRET], call.body, new Date(t * 1000)));
    expect(JSON.parse(call.body)).toMatchObject({ id: 'sms.ok', to: '+989121110001' });
  });

  it('SMS: a provider 5xx is retried with backoff until it accepts', async () => {
    smsScript.set('+989121110002', [503, 502]);
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('sms.5xx', 'sms-5xx', 'sms')]);
    expect(await settled('sms.5xx')).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('SMS: a provider 4xx is a permanent failure, dead-lettered with the reason after one attempt', async () => {
    smsScript.set('+989121110003', [422, 422, 422]);
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('sms.4xx', 'sms-4xx', 'sms')]);
    const row = await settled('sms.4xx');
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
    expect(row.error).toMatch(/^sms_422: SMS provider refused with 422/);
  });

  it('SMTP: a transient failure exhausts the attempts and is dead-lettered with its reason', async () => {
    // Nothing listens on this port: every attempt is refused before any handover.
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const broken = makeDelivery({ ...env, urls: { ...env.urls, smtpUrl: `smtp://127.0.0.1:${closedPort}` } }, { maxAttempts: 2 });
    try {
      await insertSendRecords(env.ctx.pool, [expiring('smtp.down', 'bronze-en')]);
      expect(await broken.delivery.deliver('smtp.down')).toMatchObject({ status: 'retry', attempts: 1 });
      const last = await broken.delivery.deliver('smtp.down');
      expect(last.status).toBe('dead');
      const { rows } = await env.ctx.pool.query(`SELECT status, error, attempts FROM messages WHERE id = 'smtp.down'`);
      expect(rows[0]).toMatchObject({ status: 'dead', attempts: 2 });
      expect(rows[0].error).toMatch(/^smtp_unavailable: .*ECONNREFUSED.*\(after 2 attempts\)$/);
    } finally {
      await broken.close();
    }
  });

  it('in-app inbox: one row per message even when delivered twice', async () => {
    const request: MessageRequest = { id: 'inbox.1', message: 'points_expired', channel: 'inbox', memberId: 'inbox-m', vars: { points: 800, balance: 9250 } };
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [request]);
    expect((await settled('inbox.1')).status).toBe('sent');
    // Replaying the record from `sending` (as after a crash) does not add a second inbox row.
    await env.ctx.pool.query(`UPDATE messages SET status = 'sending' WHERE id = 'inbox.1'`);
    const again = makeDelivery(env);
    expect((await again.delivery.deliver('inbox.1')).status).toBe('sent');
    await again.close();
    const { rows } = await env.ctx.pool.query(`SELECT title, body, read_at FROM inbox_items WHERE member_id = 'inbox-m'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].title).toContain('800');
  });

  it('a message already sent completes without sending again when its job is replayed', async () => {
    await sendMessages(env.ctx.pool, env.ctx.deliveryQueue, [expiring('replay.1', 'bronze-en')]);
    expect((await settled('replay.1')).status).toBe('sent');
    const job = await env.ctx.deliveryQueue.getJob('replay.1');
    await job!.remove();
    await enqueueDeliveries(env.ctx.deliveryQueue, ['replay.1']);
    await waitFor('the replayed job to complete', async () => (await (await env.ctx.deliveryQueue.getJob('replay.1'))?.getState()) === 'completed');
    const replayed = await env.ctx.deliveryQueue.getJob('replay.1');
    expect(replayed!.returnvalue).toMatchObject({ status: 'already_final', finalStatus: 'sent' });
    const mails = await waitForMail(env.stack.mailboxUrl, `bronze-en@${domain()}`, 99, 1000);
    expect(mails.filter((m) => m.headers['x-laurel-message-id'] === 'replay.1')).toHaveLength(1);
  });

  it('SIGTERM lets in-flight sends finish: nothing is left half-sent', async () => {
    const members = Array.from({ length: 300 }, (_, i) => ({ id: `term-${i}`, email: `t${i}@${env.id}-term.test` }));
    await seedMembers(env.ctx.pool, members);
    await service.stop(); // the in-process worker must not take these jobs
    const requests = members.map((m) => expiring(`term.${m.id}`, m.id));
    await insertSendRecords(env.ctx.pool, requests);
    await enqueueDeliveries(env.ctx.deliveryQueue, requests.map((r) => r.id));
    const worker = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20' });
    await waitFor('some sent', async () => ((await countByStatus(env.ctx.pool, 'term.')).sent ?? 0) >= 50, 60_000, 10);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('stopped');
    const counts = await countByStatus(env.ctx.pool, 'term.');
    expect(counts.sending ?? 0).toBe(0);
    expect(counts.sent).toBeGreaterThanOrEqual(50);
    const restarted = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20' });
    await waitFor('all sent', async () => (await countByStatus(env.ctx.pool, 'term.')).sent === 300, 60_000, 100);
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  });
});
