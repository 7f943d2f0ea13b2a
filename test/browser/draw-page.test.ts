import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drandFirstRoundAfter } from '../../src/draws/index.js';
import { adjustPoints } from '../../src/ledger/index.js';
import { upsertMember } from '../../src/members/index.js';
import { Api, apiKey, publishExample } from '../support/ledger-fixture.js';
import { localDrand } from '../support/local-drand.js';
import { createTestEnv, type TestEnv } from '../support/test-env.js';
import { collectConsoleErrors, expectAccessible, launchBrowser, screenshot, switchLocale, type BrowserSession } from './support/browser.js';
import { startWebStack, type WebStack } from './support/web-stack.js';
import { buildWeb } from '../../web/build.js';

/**
 * The public draw page against a draw the stack really ran: drand (a local chain whose key the test
 * holds, served by a local relay once each round's time has come, so the page's BLS check runs on a
 * real signature) plus an operator secret. The page re-runs LAUREL-DRAW-v1 with Web Crypto; a
 * tampered leaves file fails in the page with the first mismatch.
 */
const DRAND = localDrand('draw-page');
const SECRET = Buffer.from('the operator secret of the page test', 'utf8');

function startRelay(): Promise<Server> {
  const server = createServer((req, res) => {
    const asked = new RegExp(`^/${DRAND.chain.chainHash}/public/(\\d+)$`).exec(req.url ?? '');
    const answer = asked ? DRAND.answer(Number(asked[1])) : null;
    if (answer) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('public draw page /draws/:id', () => {
  let env: TestEnv;
  let relay: Server;
  let web: WebStack;
  let api: Api;
  let browser: BrowserSession;
  let admin: string;
  let drawId = '';

  beforeAll(async () => {
    await buildWeb({ ifChanged: true, quiet: true });
    relay = await startRelay();
    const address = relay.address() as { port: number };
    env = await createTestEnv({
      QUIET_HOURS: 'off',
      NOTIFY_CHANNELS: 'email',
      DRAW_KEY: 'draw-key-for-the-page-test-0123456789',
      DRAND_EXTRA_CHAINS: JSON.stringify([DRAND.chain]),
      DRAND_RELAY_URL: `http://127.0.0.1:${address.port}`,
      LAUREL_DATA_DIR: mkdtempSync(join(tmpdir(), 'laurel-draw-page-')),
    });
    const program = await publishExample(env, 'reference');
    for (const [i, id] of ['ana', 'ben', 'cyrus', 'dara', 'ehsan', 'fari'].entries()) {
      await upsertMember(env.ctx.pool, id, { email: `${id}.${env.id}@example.test`, consent: { email: { marketing: true, transactional: true } } }, program, 'test');
      await adjustPoints(env.ctx.pool, { memberId: id, points: 300 * (i + 1), reason: 'seed', idempotencyKey: `seed-${id}`, actor: 'test' });
    }
    web = await startWebStack(env);
    api = await Api.start(env);
    admin = await apiKey(env, 'admin');
    browser = await launchBrowser();
    // The entries close 2 s after the draw is made; it names the first round `margin` s after the
    // close, so the freeze has that long. A freeze later than that voids the draw (as it must): on a
    // machine that loaded, a new draw is made with a wider margin.
    for (const margin of [15, 45]) {
      drawId = margin === 15 ? 'page-draw' : `page-draw-${margin}`;
      const entryEndsAt = Date.now() + 2_000;
      const created = await api.call('POST', '/v1/draws', admin, {
        id: drawId,
        name: 'Yalda night draw',
        description: 'Tickets by balance; two prizes and a reserve.',
        tickets: { type: 'balance', pointsPerTicket: 100 },
        entryStartsAt: new Date(Date.now() - 60_000).toISOString(),
        entryEndsAt: new Date(entryEndsAt).toISOString(),
        prizes: [
          { id: 'gold', name: 'Gold prize', quantity: 1, points: 500 },
          { id: 'silver', name: 'Silver prize', quantity: 1, points: 200 },
        ],
        reserves: 1,
        randomness: {
          drand: { chainHash: DRAND.chain.chainHash, round: drandFirstRoundAfter(DRAND.chain, entryEndsAt / 1000 + margin) },
          secretCommitment: createHash('sha256').update(SECRET).digest('hex'),
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const frozen = await until(() => api.call('GET', `/v1/public/draws/${drawId}`, undefined), (r) => r.body.status === 'frozen' || r.body.status === 'void');
      if (frozen.body.status === 'frozen') break;
      expect(margin, `draw ${drawId} void: ${JSON.stringify(frozen.body)}`).toBe(15);
    }
    const revealed = await api.call('POST', `/v1/draws/${drawId}/reveal`, admin, { secret: SECRET.toString('hex') });
    expect(revealed.status, JSON.stringify(revealed.body)).toBe(202);
    const drawn = await until(() => api.call('GET', `/v1/public/draws/${drawId}`, undefined), (r) => r.body.status === 'closed' || r.body.status === 'drawn');
    expect(['drawn', 'closed']).toContain(drawn.body.status);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await web?.stop();
    await env?.cleanup();
    relay?.close();
  });

  async function openDraw(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${web.baseUrl}/draws/${drawId}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return { page, errors };
  }

  it('shows rules, commitment, randomness, winners and the audit log, and verifies the draw in the page (en and fa)', async () => {
    const { page, errors } = await openDraw();
    await expect.poll(() => page.getByTestId('winner-row').count()).toBe(3);
    await page.getByTestId('chain-ok').waitFor();
    await expectAccessible(page, 'draw page en');
    await page.getByTestId('verify-published').click();
    const result = page.getByTestId('verify-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-ok'), await result.innerText()).toBe('true');
    expect(await page.locator('body').innerText()).toContain('not pinned in this page');
    await screenshot(page, 'draw-en');

    await switchLocale(page, 'fa');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    // Persian digits: N = 6 entries is shown as ۶.
    expect(await page.getByTestId('commit-n').innerText()).toBe('۶');
    await page.getByTestId('verify-published').click();
    await expect.poll(() => page.getByTestId('verify-result').getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    await expectAccessible(page, 'draw page fa');
    await screenshot(page, 'draw-fa');
    await switchLocale(page, 'en');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("checks a member's own inclusion proof against the committed root", async () => {
    const entry = await api.call('GET', `/v1/members/fari/draws/${drawId}/entry`, admin);
    expect(entry.status, JSON.stringify(entry.body)).toBe(200);
    const proof = (entry.body.proof ?? entry.body) as Record<string, unknown>;
    const { page } = await openDraw();
    await page.locator('#proof-json').fill(JSON.stringify(proof));
    await page.getByTestId('check-proof').click();
    await expect.poll(() => page.getByTestId('proof-result').getAttribute('data-ok')).toBe('true');
    await page.locator('#proof-json').fill(JSON.stringify({ ...proof, w: '999' }));
    await page.getByTestId('check-proof').click();
    await expect.poll(() => page.getByTestId('proof-result').getAttribute('data-code')).toBe('member_proof_invalid');
    await page.close();
  });

  it('fails in the page, naming the first mismatch, when the published leaves file was tampered with', async () => {
    const { page } = await openDraw();
    await page.route('**/leaves', async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/"w":"(\d+)"/, (_m, w: string) => `"w":"${Number(w) + 1}"`);
      await route.fulfill({ response, body });
    });
    await page.getByTestId('verify-published').click();
    const result = page.getByTestId('verify-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 60_000 }).toBe('false');
    expect(await result.getAttribute('data-code')).toBe('leaves_hash_mismatch');
    await screenshot(page, 'draw-tampered-en');
    await page.close();
  });
});
