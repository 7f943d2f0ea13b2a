import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustPoints } from '../../src/ledger/index.js';
import { listMail } from '../support/mailbox.js';
import { apiKey, programDay, publishExample } from '../support/ledger-fixture.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { seedMembers } from '../integration/messaging/support/fixtures.js';
import { collectConsoleErrors, expectAccessible, launchBrowser, screenshot, switchLocale, type BrowserSession } from './support/browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';
import { REPORT_CATALOGUE } from '../../web/src/console/reports/report-catalogue.js';

/**
 * A marketer signs in, finds a member, builds a segment with a live count, previews the
 * templates of every tier and language (gold fa right to left), launches an A/B campaign, the
 * mail arrives in MailDev, and the funnel chart shows it. Every page passes axe in en and fa.
 */
const TIERS = ['bronze', 'silver', 'gold', 'diamond'];
const WINBACK_VARS = { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2026-12-04T20:29:59Z', previousTier: 'gold' };

describe('marketer console /console', () => {
  let env: TestEnv;
  let web: WebStack;
  let browser: BrowserSession;
  let marketer: string;
  let admin: string;
  let domain: string;

  beforeAll(async () => {
    env = await createTestEnv({ QUIET_HOURS: 'off', FREQUENCY_CAPS: '{}', NOTIFY_CHANNELS: 'inbox' });
    await publishExample(env, 'reference');
    domain = `${env.id}-console.test`;
    await seedMembers(
      env.ctx.pool,
      Array.from({ length: 6 }, (_, i) => ({
        id: `shopper-${i}`,
        email: `shopper-${i}@${domain}`,
        firstName: i % 2 ? 'Sara' : 'Sam',
        locale: i % 2 ? 'fa' : 'en',
        tier: TIERS[i % 4]!,
        attributes: { cohort: env.id },
        consent: { email: { marketing: true } },
      })),
    );
    await adjustPoints(env.ctx.pool, { memberId: 'shopper-1', points: 750, reason: 'welcome', idempotencyKey: 'seed-1', actor: 'test' });
    web = await startWebStack(env);
    marketer = await apiKey(env, 'marketer');
    admin = await apiKey(env, 'admin');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await env?.cleanup();
  });

  async function signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${web.baseUrl}/console`);
    await page.locator('#api-key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console sections' }).waitFor();
  }

  it('a marketer builds a segment, previews gold fa, launches an A/B campaign with an offer; the mail arrives and the funnel shows it', async () => {
    const page = await browser.context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${web.baseUrl}/console`);
    await expectAccessible(page, 'console sign-in');
    await signIn(page, marketer);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The range ends on the program's day (Asia/Tehran), not the UTC or the browser's day.
    await expect.poll(() => page.locator('#rr-to').inputValue(), { timeout: 15_000 }).toBe(await programDay(env));
    await expect(page.getByTestId('range-zone').innerText()).resolves.toContain('Asia/Tehran');
    // The points report (reports API): the 750 points adjusted in are the outstanding liability.
    await expect.poll(() => page.getByTestId('liability').innerText(), { timeout: 15_000 }).toBe('750');
    // Members by tier (members report): the six seeded members at the range's end.
    await expect.poll(() => page.getByTestId('members-total').innerText(), { timeout: 15_000 }).toBe('6');
    await page.getByTestId('members-chart').waitFor();
    await page.getByTestId('tiers-chart').waitFor();
    await expectAccessible(page, 'dashboard');
    await screenshot(page, 'console-dashboard-en');

    // Members: search by e-mail, open the member.
    await page.getByRole('link', { name: 'Members' }).click();
    await page.locator('#member-q').fill(`SHOPPER-1@${domain.toUpperCase()}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByTestId('member-row').count()).toBe(1);
    await page.getByRole('link', { name: 'shopper-1' }).click();
    await expect.poll(() => page.getByTestId('member-available').innerText()).toBe('750');
    await page.getByTestId('ledger-row').first().waitFor();
    await expectAccessible(page, 'member page');
    await screenshot(page, 'console-member-en');

    // Segments: attribute cohort = this run, live count 6, save.
    await page.getByRole('link', { name: 'Segments' }).click();
    const condition = page.getByTestId('condition').first();
    await condition.locator('select').first().selectOption('attribute');
    await condition.locator('input[id$="-key"]').fill('cohort');
    await condition.locator('input[id$="-aval"]').fill(env.id);
    await expect.poll(() => page.getByTestId('audience-count').innerText(), { timeout: 15_000 }).toBe('6 members');
    await page.locator('#seg-id').fill('console-cohort');
    await page.locator('#seg-name').fill('Console cohort');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Saved as console-cohort.').waitFor();
    await expectAccessible(page, 'segments');
    await screenshot(page, 'console-segments-en');

    // Campaign: A/B, both variants the win-back offer with its variables.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.locator('#c-id').fill('console-ab');
    await page.locator('#c-name').fill('Yalda A/B');
    await page.locator('#c-segment').selectOption('console-cohort');
    await page.locator('#c-holdout').fill('0');
    for (const i of [0, 1]) await page.locator(`#v-${i}-vars`).fill(JSON.stringify(WINBACK_VARS));
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Yalda A/B' }).waitFor();
    await page.getByRole('button', { name: 'Preview every tier and language' }).click();
    await expect.poll(() => page.getByTestId('campaign-audience').innerText()).toContain('6 members');
    // The campaign gives an offer: a personal 15 % coupon for everyone its send reaches.
    await page.locator('#offer-percent').fill('15');
    await page.getByRole('button', { name: 'Attach the coupon' }).click();
    await page.getByTestId('offer-attached').waitFor();
    const goldFa = page.locator('[data-testid="template-preview"][data-tier="gold"][data-locale="fa"]').first();
    await goldFa.waitFor();
    expect(await goldFa.locator('.subject').getAttribute('dir')).toBe('rtl');
    expect(await goldFa.locator('header').innerText()).toContain('winback_offer/email');
    // Every card renders its body (4 tiers × en/fa × 2 variants), not just the first few frames.
    const frames = page.locator('[data-testid="template-preview"] iframe');
    expect(await frames.count()).toBe(16);
    for (let i = 0; i < 16; i++) {
      await expect.poll(async () => (await frames.nth(i).contentFrame().locator('body').innerText()).trim().length, { timeout: 10_000 }).toBeGreaterThan(40);
    }
    await expectAccessible(page, 'campaign preview');
    await screenshot(page, 'console-campaign-preview-en');

    await page.getByRole('button', { name: 'Launch' }).click();
    await expect
      .poll(
        async () => {
          const cells = await page.locator('[data-testid="stats-row"] td[data-stat="sent"]').allInnerTexts();
          return cells.reduce((n, c) => n + Number(c.replace(/,/g, '')), 0);
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe(6);
    const mails = (await listMail(env.stack.mailboxUrl)).filter((m) => m.to.some((to) => to.address.endsWith(`@${domain}`)));
    expect(mails).toHaveLength(6);
    await expect
      .poll(async () => (await page.locator('[data-testid="stats-row"] td[data-stat="grants"]').allInnerTexts()).reduce((n, c) => n + Number(c.replace(/,/g, '')), 0), { timeout: 30_000 })
      .toBe(6);
    await page.getByTestId('funnel-chart').waitFor();
    await page.getByText('Chart data as a table').click();
    expect(await page.getByTestId('funnel-chart-table').innerText()).toMatch(/Variant a/);
    await expectAccessible(page, 'campaign results');
    await screenshot(page, 'console-campaign-en');

    await switchLocale(page, 'fa');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.getByTestId('stats-table').waitFor();
    await expectAccessible(page, 'campaign results fa');
    await screenshot(page, 'console-campaign-fa');
    await page.getByRole('link', { name: 'داشبورد' }).click();
    // Top campaigns (campaigns report) lists the launched campaign; tier names are Persian.
    await page.getByTestId('top-campaign').filter({ hasText: 'Yalda A/B' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('campaigns-chart').waitFor();
    expect(await page.locator('.console-main').innerText()).not.toMatch(/Bronze|Silver|Gold|Diamond/);
    // Message counts by status, the statuses in Persian words.
    expect(await page.locator('section[aria-labelledby="msg-h"] .kpi .label').allInnerTexts()).toEqual(['ارسال‌شده', 'در صف', 'نگه‌داشته', 'بیش از سقف', 'جلوگیری‌شده', 'ناموفق', 'ارسال‌نشدنی']);
    await expectAccessible(page, 'dashboard fa');
    await screenshot(page, 'console-dashboard-fa');
    await page.getByRole('link', { name: 'بخش‌بندی مخاطبان' }).click();
    await page.getByTestId('condition').first().waitFor();
    await expectAccessible(page, 'segments fa');
    await screenshot(page, 'console-segments-fa');
    await switchLocale(page, 'en');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists referrals with their status and reason in words, filters them, and links their members', async () => {
    // Three referral attempts as the referral program records them (the page reads GET /v1/referrals).
    const at = (days: number) => new Date(Date.now() - days * 86_400_000);
    await env.ctx.pool.query(
      `INSERT INTO referrals (referrer_id, referee_id, code, status, reject_reason, qualifying_order_id, qualifying_amount, qualified_at, rewardable_at, rewarded_at,
                              reversed_at, reversed_points, unrecovered_points, created_at, updated_at)
       VALUES ('shopper-0', 'shopper-1', 'SHOP0', 'rewarded', NULL, 'o-1', 600000, $1, $2, $2, $3, 300, 200, $4, $3),
              ('shopper-0', 'shopper-2', 'SHOP0', 'rejected', 'referrer_monthly_cap', 'o-2', 550000, $1, $2, NULL, NULL, NULL, NULL, $5, $5),
              ('shopper-3', 'shopper-4', 'SHOP3', 'pending', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, $6, $6)`,
      [at(20), at(6), at(1), at(21), at(19), at(2)],
    );
    const page = await browser.context.newPage();
    await signIn(page, marketer);
    await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Referrals' }).click();
    const rows = page.getByTestId('referral-row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.first().innerText()).toContain('shopper-4'); // newest first
    const rewarded = rows.filter({ hasText: 'shopper-1' });
    expect(await rewarded.locator('.badge').innerText()).toBe('Rewarded');
    expect(await rewarded.innerText()).toContain('300 points taken back, 200 already spent');
    expect(await rows.filter({ hasText: 'shopper-2' }).innerText()).toContain("Referrer's monthly cap");
    await expectAccessible(page, 'referrals');
    await screenshot(page, 'console-referrals-en');
    // Rejected for the monthly cap, by shopper-0: one.
    await page.locator('#ref-status').selectOption('rejected');
    await page.locator('#ref-reason').selectOption('referrer_monthly_cap');
    await page.locator('#ref-referrer').fill('shopper-0');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-status')).toBe('rejected');
    await switchLocale(page, 'fa');
    await expect.poll(() => rows.first().locator('.badge').innerText()).toBe('ردشده');
    expect(await rows.first().innerText()).toContain('سقف ماهانهٔ معرف');
    await screenshot(page, 'console-referrals-fa');
    await switchLocale(page, 'en');
    await rows.first().getByRole('link', { name: 'shopper-2' }).click();
    await page.waitForURL(/\/console\/members\/shopper-2$/);
    await page.close();
  });

  it('shows API problems in words, with the field path', async () => {
    const page = await browser.context.newPage();
    await signIn(page, admin);
    await page.goto(`${web.baseUrl}/console/members/shopper-1`);
    await page.locator('#mo-h').waitFor(); // the member's offers (given by the campaign when the journey test ran first)
    await page.locator('#adj-points').fill('10');
    await page.locator('#adj-reason').fill('x');
    await page.getByRole('button', { name: 'Adjust' }).click();
    const problem = page.locator('.problem[data-code="invalid_request"]');
    await problem.waitFor();
    expect(await problem.innerText()).toContain('body.reason');
    for (const path of ['/offers', '/missions', '/contests', '/draws', '/rewards', '/referrals', '/templates', '/reports', '/audit']) {
      await page.goto(`${web.baseUrl}/console${path}`);
      await page.locator('h1').first().waitFor();
      await expectAccessible(page, `console ${path}`);
    }
    // A coupon-code reward's pool: codes pasted, sent as text/csv; one of three already there.
    const put = await fetch(`${web.baseUrl}/v1/rewards/cinema`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Cinema ticket', kind: 'coupon_code', costPoints: 50 }) });
    expect(put.status).toBeLessThan(300);
    await page.goto(`${web.baseUrl}/console/rewards`);
    await page.locator('#codes-cinema-text').fill('CINE-0001\nCINE-0002');
    await page.getByRole('button', { name: 'Add the codes' }).click();
    await expect.poll(() => page.getByTestId('codes-result').innerText()).toContain('2 codes added, 0 already in the pool; 2 available now.');
    await page.locator('#codes-cinema-text').fill('code\nCINE-0002\nCINE-0003');
    await page.getByRole('button', { name: 'Add the codes' }).click();
    await expect.poll(() => page.getByTestId('codes-result').innerText()).toContain('1 codes added, 1 already in the pool; 3 available now.');
    await expectAccessible(page, 'rewards with a code pool');

    // A draw from the form: drand round after the close, an operator secret made in the browser.
    await page.goto(`${web.baseUrl}/console/draws`);
    await page.getByRole('button', { name: 'New draw' }).click();
    await page.locator('#d-id').fill('console-draw');
    await page.locator('#d-name').fill('Yalda draw');
    await page.locator('#p-0-name').fill('A thousand points');
    await page.getByTestId('drand-round').waitFor();
    await page.getByRole('button', { name: 'Add an operator secret' }).click();
    expect(await page.getByTestId('draw-secret').innerText()).toMatch(/^[0-9a-f]{64}$/);
    await expectAccessible(page, 'draw form');
    await screenshot(page, 'console-draw-new-en');
    await page.getByRole('button', { name: 'Create the draw' }).click();
    await page.getByRole('link', { name: 'Yalda draw' }).waitFor();
    const draw = (await (await fetch(`${web.baseUrl}/v1/draws/console-draw`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { rules: { randomness: { secretCommitment?: string; drand?: { round: number } } } };
    expect(draw.rules.randomness.secretCommitment).toMatch(/^[0-9a-f]{64}$/);
    expect(draw.rules.randomness.drand?.round).toBeGreaterThan(0);
    // A mission from the form: three purchases within 30 days of enrollment, members opt in.
    await page.goto(`${web.baseUrl}/console/missions`);
    await page.getByRole('button', { name: 'New mission' }).click();
    await page.locator('#m-id').fill('console-mission');
    await page.locator('#m-name').fill('Three coffees');
    await page.locator('#m-period').selectOption('days');
    await page.locator('#m-enrollment').selectOption('opt_in');
    // For gold and diamond members of the saved segment only.
    await page.locator('#m-tier-gold').check();
    await page.locator('#m-tier-diamond').check();
    await page.locator('#m-segment').selectOption('console-cohort');
    await expectAccessible(page, 'mission form');
    await page.getByRole('button', { name: 'Create the mission' }).click();
    await page.getByText('Mission console-mission created.').waitFor();
    const mission = (await (await fetch(`${web.baseUrl}/v1/missions/console-mission`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { definition: Record<string, unknown> };
    const cohort = (await (await fetch(`${web.baseUrl}/v1/segments/console-cohort`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { definition: unknown };
    expect(mission.definition).toMatchObject({
      goal: { type: 'count', target: 3 },
      period: { type: 'from_enrollment', days: 30 },
      enrollment: 'opt_in',
      rewardPoints: 500,
      audience: { field: 'member.tierId', op: 'in', value: ['gold', 'diamond'] },
      segment: cohort.definition,
    });
    // A contest from the form: points earned this week, two prizes. A budget below the prizes is the
    // API's 422, shown in words with the field; the budget then follows the prizes' sum.
    await page.goto(`${web.baseUrl}/console/contests`);
    await page.getByRole('button', { name: 'New contest' }).click();
    await page.locator('#c-id').fill('console-contest');
    await page.locator('#c-name').fill('Yalda week');
    await page.locator('#cp-0-name').fill('First place');
    await page.getByRole('button', { name: 'Add a prize' }).click();
    await page.locator('#cp-1-name').fill('Second place');
    await page.locator('#cp-1-points').fill('400');
    expect(await page.locator('#c-budget').inputValue()).toBe('1400');
    expect(await page.getByTestId('contest-prize-sum').innerText()).toContain('1,400');
    await page.locator('#c-budget').fill('1000');
    await page.getByRole('button', { name: 'Create the contest' }).click();
    expect(await page.locator('.problem').innerText()).toContain('prizeBudget');
    await page.locator('#c-budget').fill('1400');
    // Every tier ticked is everyone: no eligibility is sent.
    for (const tier of TIERS) await page.locator(`#c-tier-${tier}`).check();
    await expectAccessible(page, 'contest form');
    await screenshot(page, 'console-contest-new-en');
    await page.getByRole('button', { name: 'Create the contest' }).click();
    await page.getByText('Contest console-contest created.').waitFor();
    const contest = (await (await fetch(`${web.baseUrl}/v1/contests/console-contest`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { status: string; definition: unknown };
    expect(contest).toMatchObject({
      status: 'open',
      definition: { metric: { type: 'points_earned' }, prizeBudget: 1400, prizes: [{ rank: 1, name: 'First place', points: 1000 }, { rank: 2, name: 'Second place', points: 400 }] },
    });
    expect(contest.definition).not.toHaveProperty('eligibility');
    expect(contest.definition).not.toHaveProperty('segment');
    // Listed with its status in words; in fa the status is Persian.
    const listed = page.getByRole('listitem').filter({ hasText: 'Yalda week' });
    expect(await listed.locator('.badge').innerText()).toBe('Open');
    await switchLocale(page, 'fa');
    await expect.poll(() => listed.locator('.badge').innerText()).toBe('باز');
    await expectAccessible(page, 'contests fa');
    await screenshot(page, 'console-contests-fa');
    await switchLocale(page, 'en');
    // Reports: every report downloads its CSV (key in the header, not the URL) and shows the same table.
    await page.goto(`${web.baseUrl}/console/reports`);
    for (const name of REPORT_CATALOGUE.map((r) => r.name)) {
      const card = page.locator(`[data-testid="report"][data-report="${name}"]`);
      const [download] = await Promise.all([page.waitForEvent('download'), card.getByTestId('report-csv').click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^${name}-[a-z]+_\\d{4}-\\d{2}-\\d{2}_\\d{4}-\\d{2}-\\d{2}_day\\.csv$`));
      const csv = await readFile(await download.path(), 'utf8');
      const header = csv.split('\r\n')[0]!;
      // A table with no rows (no contest here; no campaign when this test runs alone) is written without a header line.
      if (name === 'points' || name === 'members' || name === 'tiers') expect(header.length, name).toBeGreaterThan(0);
      if (name === 'points') {
        await card.getByText('Show the table').click();
        await card.getByTestId('report-table').waitFor();
        expect((await card.locator('thead th').allInnerTexts()).join(',')).toBe(header);
      }
    }
    // Sales (i12's report) is on the page with its tables; its per-interval table opens here.
    const sales = page.locator('[data-testid="report"][data-report="sales"]');
    await sales.getByRole('heading', { name: 'Sales' }).waitFor();
    await sales.getByText('Show the table').click();
    await sales.getByTestId('report-table').waitFor();
    await page.locator('[data-testid="report"][data-report="referrals"]').getByRole('heading', { name: 'Referrals' }).waitFor();
    await expectAccessible(page, 'reports with a table open');
    await screenshot(page, 'console-reports-en');
    await page.close();
  });
});
