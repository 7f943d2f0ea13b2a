import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints } from '../../src/ledger/index.js';
import { upsertMember } from '../../src/members/index.js';
import { Api, apiKey, publishExample } from '../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { collectConsoleErrors, expectAccessible, launchBrowser, screenshot, switchLocale, type BrowserSession } from './support/browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';

/**
 * A member opens the widget with a member token, redeems a reward, turns SMS marketing off, and
 * the next SMS campaign skips them (the delivery policy reads the consent the widget wrote).
 * Phone-sized viewport: the widget is mobile first.
 */
const WINBACK = { message: 'winback_offer', vars: { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2026-12-04T20:29:59Z', previousTier: 'gold' } };

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('member widget /widget', () => {
  let env: TestEnv;
  let web: WebStack;
  let api: Api;
  let browser: BrowserSession;
  let admin: string;
  let marketer: string;
  let sms: Server;
  const smsTo: string[] = [];

  beforeAll(async () => {
    sms = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        smsTo.push((JSON.parse(body) as { to: string }).to);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${smsTo.length}` }));
      });
    });
    await new Promise<void>((r) => sms.listen(0, '127.0.0.1', r));
    env = await createTestEnv({
      QUIET_HOURS: 'off',
      NOTIFY_CHANNELS: 'inbox',
      SMS_WEBHOOK_URL: `http://127.0.0.1:${(sms.address() as AddressInfo).port}/sms`,
      SMS_WEBHOOK_SECRET: 'sms-secret-for-the-widget-test',
      FREQUENCY_CAPS: '{}',
    });
    const program = await publishExample(env, 'reference');
    const consent = { sms: { marketing: true, transactional: true }, email: { marketing: true } };
    await upsertMember(env.ctx.pool, 'mina', { email: `mina.${env.id}@example.test`, phone: '+989121110001', firstName: 'Mina', timeZone: 'Asia/Tehran', attributes: { cohort: env.id }, consent }, program, 'test');
    await upsertMember(env.ctx.pool, 'omid', { email: `omid.${env.id}@example.test`, phone: '+989121110002', firstName: 'Omid', attributes: { cohort: env.id }, consent }, program, 'test');
    await adjustPoints(env.ctx.pool, { memberId: 'mina', points: 1000, reason: 'welcome gift', idempotencyKey: 'seed-mina', actor: 'test' });
    web = await startWebStack(env);
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    marketer = await apiKey(env, 'marketer');
    const offer = await api.call('PUT', '/v1/offers/welcome-coupon', marketer, { kind: 'coupon', name: 'Welcome coupon', coupon: { discount: { type: 'percent', percent: 20 }, validDays: 30 } });
    expect(offer.status, JSON.stringify(offer.body)).toBe(201);
    expect((await api.call('POST', '/v1/offers/welcome-coupon/issue', marketer, { memberIds: ['mina'] })).status).toBe(200);
    browser = await launchBrowser({ width: 400, height: 860 });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await web?.stop();
    await env?.cleanup();
    sms?.close();
  });

  async function token(memberId: string): Promise<string> {
    const res = await api.call('POST', `/v1/members/${memberId}/tokens`, admin);
    return (res.body as { token: string }).token;
  }

  async function openTab(page: Page, name: RegExp): Promise<void> {
    await page.getByRole('tab', { name }).click();
  }

  it('a member redeems a reward and turns SMS marketing off; the next SMS campaign skips them', async () => {
    const page = await browser.context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${web.baseUrl}/widget`);
    await expectAccessible(page, 'widget sign-in');
    await page.locator('#member-token').fill(await token('mina'));
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByTestId('balance').innerText()).toBe('1,000');
    await expectAccessible(page, 'widget home en');
    await screenshot(page, 'widget-home-en');

    await openTab(page, /Offers/);
    await expect.poll(() => page.getByTestId('offer').innerText()).toContain('20% off your order');
    expect(await page.getByTestId('coupon-code').innerText()).toMatch(/^[A-Z0-9-]{8,}$/);
    await expectAccessible(page, 'widget offers en');

    await openTab(page, /Rewards/);
    const reward = page.locator('[data-reward="free-shipping"]');
    await reward.getByRole('button', { name: 'Redeem' }).click();
    await reward.getByRole('button', { name: 'Yes, redeem' }).click();
    await expect.poll(() => reward.getByTestId('redeemed').innerText()).toContain('960');
    const summary = await api.call('GET', '/v1/members/mina/summary', admin);
    expect((summary.body.balance as { available: number }).available).toBe(960);
    await expectAccessible(page, 'widget rewards en');
    await screenshot(page, 'widget-rewards-en');

    await openTab(page, /Notifications/);
    const smsMarketing = page.locator('#consent-sms-marketing');
    expect(await smsMarketing.isChecked()).toBe(true);
    await smsMarketing.uncheck();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect.poll(() => smsMarketing.isChecked()).toBe(false);
    const member = await api.call('GET', '/v1/members/mina', admin);
    expect((member.body.consent as { sms: unknown }).sms).toEqual({ marketing: false, transactional: true });
    await expectAccessible(page, 'widget settings en');

    await switchLocale(page, 'fa');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await screenshot(page, 'widget-settings-fa');
    await openTab(page, /امتیاز/);
    await expect.poll(() => page.getByTestId('balance').innerText()).toBe('۹۶۰');
    // Tier names in Persian text are the Persian names (the templates' names), never 'Bronze'.
    expect(await page.getByTestId('tier-name').innerText()).toBe('برنزی');
    expect(await page.locator('main').innerText()).not.toMatch(/Bronze|Silver|Gold|Diamond/);
    // Amounts in Persian digits, thousands grouped with the Persian separator ٬ (U+066C), no Latin comma.
    const amounts = await page.locator('section[aria-labelledby="recent-h"] strong').allInnerTexts();
    expect(amounts).toContain('+۱٬۰۰۰');
    for (const amount of amounts) expect(amount).not.toMatch(/[0-9,.]/);
    await expectAccessible(page, 'widget home fa');
    await screenshot(page, 'widget-home-fa');
    await openTab(page, /جوایز/);
    await page.getByTestId('reward').first().waitFor();
    await screenshot(page, 'widget-rewards-fa');
    await switchLocale(page, 'en');
    expect(errors).toEqual([]);
    await page.close();

    // The next SMS campaign: Omid gets it, Mina (opted out in the widget) does not.
    const campaign = await api.call('PUT', `/v1/campaigns/sms-${env.id.slice(1, 8)}`, marketer, {
      name: 'SMS after the widget',
      channel: 'sms',
      segment: { attribute: { key: 'cohort', op: 'eq', value: env.id } },
      variants: [{ key: 'a', percent: 100, template: WINBACK }],
      sendRatePerSecond: 1000,
    });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const id = String(campaign.body.id);
    expect((await api.call('POST', `/v1/campaigns/${id}/launch`, marketer)).status).toBe(202);
    const messages = await until(
      async () => (await env.ctx.pool.query<{ member_id: string; status: string }>(`SELECT member_id, status FROM messages WHERE campaign_id = $1 ORDER BY member_id`, [id])).rows,
      (rows) => rows.length === 2 && rows.every((r) => ['sent', 'suppressed', 'dead'].includes(r.status)),
    );
    expect(messages).toEqual([
      { member_id: 'mina', status: 'suppressed' },
      { member_id: 'omid', status: 'sent' },
    ]);
    expect(smsTo).toEqual(['+989121110002']);
  });

  it('takes its token from the embedding page by postMessage, never from the URL', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${web.baseUrl}/ui/assets/`).catch(() => undefined);
    await page.setContent(`<iframe id="w" title="rewards" src="${web.baseUrl}/widget" style="width:380px;height:700px"></iframe>`);
    const frame: FrameLocator = page.frameLocator('#w');
    await frame.locator('#member-token').waitFor();
    const minaToken = await token('mina');
    await page.evaluate(`document.getElementById('w').contentWindow.postMessage({ type: 'laurel:token', token: ${JSON.stringify(minaToken)} }, '*')`);
    await expect.poll(() => frame.getByTestId('balance').innerText()).toMatch(/960|۹۶۰/);
    expect(page.url()).not.toContain('mt.');
    await page.close();
  });
});
