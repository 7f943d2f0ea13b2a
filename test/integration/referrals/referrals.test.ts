import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints, checkLedger, ingestEvent } from '../../../src/ledger/index.js';
import { issueMemberToken } from '../../../src/auth/index.js';
import { reverseRefundedReferrals, rewardDueReferrals } from '../../../src/referrals/index.js';
import { startWorkerRole, type Role } from '../../../src/roles/index.js';
import { Api, apiKey, programDay, publishVariant } from '../../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { WebhookReceiver } from '../integrations/support/webhook-receiver.js';

const DAY = 86_400_000;

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('referrals: a code per member, rewards after the return window, fraud checks, the report', () => {
  let env: TestEnv;
  let api: Api;
  let admin: string;
  let worker: Role | undefined;
  let code = '';
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    env = await createTestEnv({ NOTIFY_CHANNELS: 'inbox', QUIET_HOURS: 'off', WEBHOOK_BACKOFF_MS: '40' });
    await publishVariant(env, (p) => {
      p.referrals = {
        qualifying: { eventType: 'purchase', minAmount: 500_000 },
        returnWindowDays: 14,
        qualifyWithinDays: 60,
        referrer: { points: 300 },
        referee: { points: 200 },
        monthlyCapPerReferrer: 2,
      };
      return p;
    });
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    worker = await startWorkerRole(env.ctx);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await receiver.stop();
    await env?.cleanup();
  });

  const put = (id: string, body: Record<string, unknown>) => api.call('PUT', `/v1/members/${id}`, admin, body);
  const referral = async (refereeId: string) =>
    (await env.ctx.pool.query<{ referrer_id: string; status: string; reject_reason: string | null }>(`SELECT referrer_id, status, reject_reason FROM referrals WHERE referee_id = $1 ORDER BY created_at`, [refereeId])).rows;
  const purchase = (memberId: string, orderId: string, amount: number) => ingestEvent(env.ctx.pool, { memberId, type: 'purchase', amount, orderId }, { source: 'api' });
  /** The referral by rita (ned also has a rejected one by olga). */
  const statusOf = async (refereeId: string) => (await referral(refereeId)).find((r) => r.referrer_id === 'rita')?.status;

  it('each member has one stable code; the member reads their own; an unknown code creates nobody', async () => {
    expect((await put('rita', { email: 'Rita.Smith+shop@gmail.com', phone: '+989121234567' })).status).toBe(201);
    const first = await api.call('GET', '/v1/members/rita/referral', admin);
    expect(first.status).toBe(200);
    code = String(first.body.code);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    const token = issueMemberToken(env.config.memberTokenSecret, 'rita', 300).token;
    expect((await api.call('GET', '/v1/members/rita/referral', token)).body).toMatchObject({ code, referredBy: null, referrals: { sent: 0 } });
    expect((await api.call('GET', '/v1/members/nobody/referral', admin)).status).toBe(404);
    const unknown = await put('ulla', { email: 'ulla@example.test', referralCode: 'ZZZZ2222' });
    expect(unknown).toMatchObject({ status: 422, body: { code: 'unknown_referral_code' } });
    expect((await api.call('GET', '/v1/members/ulla', admin)).status).toBe(404);
  });

  it('a new member with the code is the referrer\'s referee, pending until a qualifying purchase', async () => {
    expect((await put('ned', { email: 'ned@example.test', referralCode: code.toLowerCase() })).status).toBe(201);
    expect(await referral('ned')).toEqual([{ referrer_id: 'rita', status: 'pending', reject_reason: null }]);
    const mine = await api.call('GET', '/v1/members/ned/referral', admin);
    expect(mine.body).toMatchObject({ referredBy: { memberId: 'rita', status: 'pending' } });
    expect(mine.body.code).not.toBe(code);
  });

  it('self-referral (same member, same mailbox after normalisation, same phone) and a referee that already existed are rejected, the sign-up goes on', async () => {
    // Gmail ignores dots and +tags: the same mailbox as rita's.
    expect((await put('rita-alt', { email: 'ritasmith@googlemail.com', referralCode: code })).status).toBe(201);
    expect((await put('rita-phone', { phone: '+989121234567', referralCode: code })).status).toBe(201);
    expect((await put('rita', { referralCode: code })).status).toBe(200);
    expect(await referral('rita-alt')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'self_referral' }]);
    expect(await referral('rita-phone')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'self_referral' }]);
    expect(await referral('rita')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'self_referral' }]);
    // An existing member given a code later, and a new id for a person already a member (same e-mail).
    await put('olga', { email: 'olga@example.test' });
    await put('olga', { referralCode: code });
    await put('olga-2', { email: 'OLGA@example.test', referralCode: code });
    expect(await referral('olga')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'referee_existed' }]);
    expect(await referral('olga-2')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'referee_existed' }]);
    // A referee already referred stays the first referrer's.
    await put('ned', { referralCode: (await api.call('GET', '/v1/members/olga/referral', admin)).body.code });
    expect((await referral('ned')).map((r) => r.status).sort()).toEqual(['pending', 'rejected']);
  });

  it('the first qualifying purchase starts the return window; both sides are rewarded after it, once; a refunded one is never rewarded; the monthly cap holds', async () => {
    for (const id of ['pam', 'qa', 'qb', 'zed']) expect((await put(id, { email: `${id}@example.test`, referralCode: code })).status).toBe(201);
    // Below the minimum: not qualifying; the next purchase is.
    await purchase('ned', 'n0', 100_000);
    await purchase('ned', 'n1', 600_000);
    await purchase('pam', 'p1', 700_000);
    await purchase('qa', 'qa1', 500_000);
    await purchase('qb', 'qb1', 900_000);
    await until('four referrals qualified', async () => Promise.all(['ned', 'pam', 'qa', 'qb'].map(statusOf)), (s) => s.every((x) => x === 'qualified'));
    const { rows: qualified } = await env.ctx.pool.query<{ qualifying_order_id: string }>(`SELECT qualifying_order_id FROM referrals WHERE referee_id = 'ned' AND status = 'qualified'`);
    expect(qualified[0]!.qualifying_order_id).toBe('n1');
    // pam returns part of her order: what is left is under the minimum.
    await ingestEvent(env.ctx.pool, { memberId: 'pam', type: 'refund', amount: 300_000, orderId: 'p1', refundId: 'p1-r1' }, { source: 'api' });
    await until('the refunded referral rejected', async () => referral('pam'), (r) => r[0]?.status === 'rejected');
    expect(await referral('pam')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'purchase_refunded' }]);

    // Inside the return window: nothing yet.
    expect(await rewardDueReferrals(env.ctx.pool, new Date(Date.now() + 13 * DAY))).toEqual({ rewarded: 0, rejected: 0, expired: 0 });
    const asOf = new Date(Date.now() + 15 * DAY);
    // Cap 2 a month: ned and qa are rewarded (return windows end in that order), qb is over it.
    expect(await rewardDueReferrals(env.ctx.pool, asOf)).toEqual({ rewarded: 2, rejected: 1, expired: 0 });
    expect(await rewardDueReferrals(env.ctx.pool, asOf)).toEqual({ rewarded: 0, rejected: 0, expired: 0 });
    expect(await statusOf('ned')).toBe('rewarded');
    expect(await statusOf('qa')).toBe('rewarded');
    expect(await referral('qb')).toEqual([{ referrer_id: 'rita', status: 'rejected', reject_reason: 'referrer_monthly_cap' }]);
    const credited = await until(
      'the referral awards credited',
      async () =>
        (await env.ctx.pool.query<{ member_id: string; source: string; amount: string }>(
          `SELECT member_id, source, amount::text FROM ledger_entries WHERE source LIKE 'referral:%' ORDER BY member_id, source`,
        )).rows,
      (rows) => rows.length === 4,
    );
    expect(credited).toEqual([
      { member_id: 'ned', source: 'referral:referee', amount: '200' },
      { member_id: 'qa', source: 'referral:referee', amount: '200' },
      { member_id: 'rita', source: 'referral:referrer', amount: '300' },
      { member_id: 'rita', source: 'referral:referrer', amount: '300' },
    ]);
    const { rows: inbox } = await env.ctx.pool.query<{ member_id: string }>(`SELECT member_id FROM messages WHERE kind = 'bonus_points' ORDER BY member_id`);
    expect(inbox.map((m) => m.member_id)).toEqual(['ned', 'qa', 'rita', 'rita']);
    // zed never bought: expired after the qualifying period.
    expect(await rewardDueReferrals(env.ctx.pool, new Date(Date.now() + 61 * DAY))).toEqual({ rewarded: 0, rejected: 0, expired: 1 });
    expect(await statusOf('zed')).toBe('expired');
    expect((await api.call('GET', '/v1/members/rita/referral', admin)).body).toMatchObject({ referrals: { sent: 10, rewarded: 2, rejected: 7, expired: 1, pending: 0, waitingReturnWindow: 0 } });
  });

  it('the referrals report counts sent, converted, rewarded, rejected by reason and expired', async () => {
    const today = await programDay(env, new Date(), -1);
    const later = await programDay(env, new Date(Date.now() + 70 * DAY));
    const report = await api.call('GET', `/v1/reports/referrals?from=${today}&to=${later}&interval=month`, admin);
    expect(report.status).toBe(200);
    expect(report.body.totals).toMatchObject({
      sent: 11,
      converted: 4,
      rewarded: 2,
      rejected: 8,
      rejectedByReason: { self_referral: 3, referee_existed: 3, purchase_refunded: 1, referrer_monthly_cap: 1, member_erased: 0 },
      expired: 1,
      referrerPoints: 600,
      refereePoints: 400,
    });
    expect(report.body.cohort).toMatchObject({ sent: 11, rewarded: 2, rejected: 8, expired: 1, pending: 0, waitingReturnWindow: 0 });
    // Converted of the attempts not turned away at sign-up (ned, pam, qa, qb, zed).
    expect(report.body.cohort).toMatchObject({ conversionRate: { numerator: 4, denominator: 5 } });
    expect(report.body.topReferrers).toEqual([
      { memberId: 'rita', sent: 10, rewarded: 2 },
      { memberId: 'olga', sent: 1, rewarded: 0 },
    ]);
    const csv = await api.app.inject({ method: 'GET', url: `/v1/reports/referrals?from=${today}&to=${later}&interval=month&format=csv`, headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\n')[0]).toContain('rejected_referrer_monthly_cap');
  });

  it('a refund after the reward reverses it once: each side gives back what it still holds, nothing becomes debt; subscribers get referral.reversed once', async () => {
    const receiverUrl = await receiver.start();
    expect((await api.call('PUT', '/v1/webhooks/reversals', admin, { url: `${receiverUrl}/reversals`, eventTypes: ['referral.reversed'] })).status).toBe(201);
    const reversal = async (refereeId: string) =>
      (await env.ctx.pool.query<{ reversed: boolean; reversed_points: string | null; unrecovered_points: string | null; status: string }>(
        `SELECT reversed_at IS NOT NULL AS reversed, reversed_points::text, unrecovered_points::text, status FROM referrals WHERE referee_id = $1 AND referrer_id = 'rita'`,
        [refereeId],
      )).rows[0];
    const reversals = async () =>
      (await env.ctx.pool.query<{ member_id: string; kind: string; amount: string }>(`SELECT member_id, kind, amount::text FROM ledger_entries WHERE source = 'referral:reversal' ORDER BY seq`)).rows;
    // qa returns the whole qualifying order after the reward: qa gives back 200, rita 300.
    await ingestEvent(env.ctx.pool, { memberId: 'qa', type: 'refund', amount: 500_000, orderId: 'qa1', refundId: 'qa1-r1' }, { source: 'api' });
    await until('qa\'s referral reversed', () => reversal('qa'), (r) => r?.reversed === true);
    expect(await reversal('qa')).toEqual({ reversed: true, reversed_points: '500', unrecovered_points: '0', status: 'rewarded' });
    expect(await reversals()).toEqual([
      { member_id: 'rita', kind: 'adjust', amount: '-300' },
      { member_id: 'qa', kind: 'adjust', amount: '-200' },
    ]);
    // ned has spent everything he had: a partial return below the minimum takes back rita's 300 and nothing from ned.
    const { rows } = await env.ctx.pool.query<{ available: string }>(`SELECT available::text FROM member_balances WHERE member_id = 'ned'`);
    const available = Number(rows[0]!.available);
    if (available > 0) await adjustPoints(env.ctx.pool, { memberId: 'ned', points: -available, reason: 'spent', idempotencyKey: 'ned-spends', actor: 'test' });
    await ingestEvent(env.ctx.pool, { memberId: 'ned', type: 'refund', amount: 200_000, orderId: 'n1', refundId: 'n1-r1' }, { source: 'api' });
    await until('ned\'s referral reversed', () => reversal('ned'), (r) => r?.reversed === true);
    expect(await reversal('ned')).toEqual({ reversed: true, reversed_points: '300', unrecovered_points: '200', status: 'rewarded' });
    // Once: a redelivered refund (the handler again) and the hourly sweep take nothing more.
    expect(await reverseRefundedReferrals(env.ctx.pool, 'qa', 500_000)).toBe(0);
    expect(await reverseRefundedReferrals(env.ctx.pool, 'ned', 500_000)).toBe(0);
    expect(await rewardDueReferrals(env.ctx.pool, new Date(Date.now() + 30 * DAY))).toEqual({ rewarded: 0, rejected: 0, expired: 0 });
    expect((await reversals()).length).toBe(3);
    expect((await checkLedger(env.ctx.pool)).ok).toBe(true);
    const delivered = () => receiver.received.filter((r) => r.path === '/reversals' && r.answered === 200);
    await until('two referral.reversed deliveries', async () => delivered().length, (n) => n >= 2);
    expect(delivered().map((r) => [r.type, r.webhookId, r.body.data])).toEqual([
      ['referral.reversed', 'referral.reversed.qa', { memberId: 'rita', refereeId: 'qa', reversedPoints: 500, unrecoveredPoints: 0 }],
      ['referral.reversed', 'referral.reversed.ned', { memberId: 'rita', refereeId: 'ned', reversedPoints: 300, unrecoveredPoints: 200 }],
    ]);
  });

  it('GET /v1/referrals lists the attempts newest first for admins and marketers, with filters and keyset paging', async () => {
    const marketer = await apiKey(env, 'marketer');
    const rewarded = await api.call('GET', '/v1/referrals?status=rewarded', marketer);
    expect(rewarded.status).toBe(200);
    const items = rewarded.body.items as { refereeId: string; referrerId: string; status: string; reversedPoints: number | null; unrecoveredPoints: number | null; rewardedAt: string | null }[];
    expect(items.map((r) => r.refereeId).sort()).toEqual(['ned', 'qa']);
    expect(items.find((r) => r.refereeId === 'ned')).toMatchObject({ referrerId: 'rita', status: 'rewarded', reversedPoints: 300, unrecoveredPoints: 200 });
    expect((await api.call('GET', '/v1/referrals?rejectReason=purchase_refunded', admin)).body.items).toMatchObject([{ refereeId: 'pam', status: 'rejected', rejectReason: 'purchase_refunded' }]);
    // Every attempt, two at a time: the pages add up to all of them, each once, newest first.
    const all = (await api.call('GET', '/v1/referrals?limit=500', admin)).body.items as { referrerId: string; refereeId: string; createdAt: string }[];
    expect(all.length).toBe(11);
    const paged: typeof all = [];
    let before: string | null = null;
    do {
      const page = await api.call('GET', `/v1/referrals?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, admin);
      paged.push(...(page.body.items as typeof all));
      before = page.body.nextBefore as string | null;
    } while (before);
    expect(paged).toEqual(all);
    expect([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((r) => r.createdAt)).toEqual(all.map((r) => r.createdAt));
    expect((await api.call('GET', '/v1/referrals?referrerId=olga', admin)).body.items).toHaveLength(1);
    expect((await api.call('GET', '/v1/referrals?before=nocolon', admin)).status).toBe(400);
    const token = issueMemberToken(env.config.memberTokenSecret, 'rita', 300).token;
    expect((await api.call('GET', '/v1/referrals', token)).status).toBe(403);
  });
});
