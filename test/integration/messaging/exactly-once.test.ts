import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDeliveries, insertSendRecords, type MessageRequest } from '../../../src/messaging/index.js';
import { listMail } from '../../support/mailbox.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { countByStatus, seedMembers, spawnDeliveryWorker, waitFor, type WorkerProcess } from './support/fixtures.js';
import { startRefusingSmtpProxy } from './support/smtp-refusing-proxy.js';

const COUNT = 2000;

/** Per recipient address (lower case), how many mails MailDev holds for this domain. */
async function mailCounts(mailboxUrl: string, domain: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const mail of await listMail(mailboxUrl)) {
    for (const to of mail.to) {
      const address = to.address.toLowerCase();
      if (address.endsWith(`@${domain}`)) counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  }
  return counts;
}

async function seedBatch(env: TestEnv, tag: string): Promise<{ domain: string; requests: MessageRequest[] }> {
  const domain = `${env.id}-${tag}.test`;
  const members = Array.from({ length: COUNT }, (_, i) => ({
    id: `${tag}-m${i}`,
    email: `r${i}@${domain}`,
    locale: i % 2 === 0 ? 'en' : 'fa',
    timeZone: i % 2 === 0 ? 'Europe/London' : 'Asia/Tehran',
    tier: ['bronze', 'silver', 'gold', 'diamond'][i % 4]!,
  }));
  await seedMembers(env.ctx.pool, members);
  const requests: MessageRequest[] = members.map((m) => ({
    id: `${tag}.points_expiring.${m.id}`,
    message: 'points_expiring',
    channel: 'email',
    memberId: m.id,
    vars: { points: 350, expiresAt: '2027-01-05T20:29:59Z', balance: 12_750 },
  }));
  await insertSendRecords(env.ctx.pool, requests);
  return { domain, requests };
}

async function stop(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}

describe('exactly once through crashes and refusals', () => {
  let env: TestEnv;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await env?.cleanup();
  });

  it('the worker is SIGKILLed twice while sending 2,000 messages (once right after SMTP accepted a message): every recipient gets exactly one', async () => {
    const { domain, requests } = await seedBatch(env, 'kill');
    await enqueueDeliveries(env.ctx.deliveryQueue, requests.map((r) => r.id));

    // 1st run: dies by its own hand right after the 300th accepted message, before marking it sent.
    const first = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20', LAUREL_TEST_KILL_AFTER_SENDS: '300' });
    workers.push(first);
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    const afterFirst = await countByStatus(env.ctx.pool, 'kill.');
    // The crash left messages the SMTP server accepted but the record does not call sent.
    expect(afterFirst.sending ?? 0).toBeGreaterThan(0);

    // 2nd run: killed from outside in the middle of the run.
    const second = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20' });
    workers.push(second);
    await waitFor('about half sent', async () => ((await countByStatus(env.ctx.pool, 'kill.')).sent ?? 0) >= COUNT / 2, 120_000, 20);
    second.child.kill('SIGKILL');
    await second.exited;

    // 3rd run: finishes, picking up the jobs the killed workers held once their locks expire.
    const third = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20' });
    workers.push(third);
    await waitFor('all sent', async () => ((await countByStatus(env.ctx.pool, 'kill.')).sent ?? 0) === COUNT, 120_000, 200);
    await stop(third);

    const counts = await waitFor('the mailbox to hold every message', async () => {
      const c = await mailCounts(env.stack.mailboxUrl, domain);
      return c.size === COUNT ? c : undefined;
    }, 30_000, 500);
    const duplicates = [...counts].filter(([, n]) => n !== 1);
    expect(duplicates).toEqual([]);
    for (let i = 0; i < COUNT; i++) expect(counts.get(`r${i}@${domain}`)).toBe(1);
    expect(await countByStatus(env.ctx.pool, 'kill.')).toEqual({ sent: COUNT });
    // Some were settled by reconciliation (sent before the crash, found in the mailbox afterwards).
    const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE id LIKE 'kill.%' AND provider_id LIKE 'reconciled:%'`);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('an SMTP server answering 421 to the first connections: all 2,000 delivered after retries, none twice', async () => {
    const smtp = new URL(env.stack.smtpUrl);
    const proxy = await startRefusingSmtpProxy({ host: smtp.hostname, port: Number(smtp.port) }, 40);
    try {
      const { domain, requests } = await seedBatch(env, 'busy');
      await enqueueDeliveries(env.ctx.deliveryQueue, requests.map((r) => r.id));
      const worker = await spawnDeliveryWorker(env, { DELIVERY_CONCURRENCY: '20', SMTP_URL: proxy.url, DELIVERY_ATTEMPTS: '10' });
      workers.push(worker);
      await waitFor('all sent', async () => ((await countByStatus(env.ctx.pool, 'busy.')).sent ?? 0) === COUNT, 120_000, 200);
      await stop(worker);
      expect(proxy.refused()).toBe(40);

      const counts = await waitFor('the mailbox to hold every message', async () => {
        const c = await mailCounts(env.stack.mailboxUrl, domain);
        return c.size === COUNT ? c : undefined;
      }, 30_000, 500);
      expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
      const { rows } = await env.ctx.pool.query<{ retried: number; max: number }>(
        `SELECT count(*) FILTER (WHERE attempts > 1)::int AS retried, max(attempts)::int AS max FROM messages WHERE id LIKE 'busy.%'`,
      );
      expect(rows[0]!.retried).toBeGreaterThan(0);
      expect(await countByStatus(env.ctx.pool, 'busy.')).toEqual({ sent: COUNT });
    } finally {
      await proxy.close();
    }
  });
});
