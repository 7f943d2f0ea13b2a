import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';

/**
 * Debian's Chromium driven by playwright-core (no browser download anywhere): bootstrap installs
 * the package and records its path in .laurel/tools.env as CHROMIUM.
 */
export function chromiumPath(): string {
  if (process.env.LAUREL_CHROMIUM) return process.env.LAUREL_CHROMIUM;
  const file = join(PROJECT_ROOT, '.laurel', 'tools.env');
  if (existsSync(file)) {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CHROMIUM='));
    const path = line?.slice('CHROMIUM='.length);
    if (path) return path;
  }
  return '/usr/bin/chromium';
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A fresh profile per session; background networking off (this machine has no network beyond
 * localhost, and Chromium would otherwise keep trying). CSP is bypassed only so axe-core can be
 * evaluated in the page; the pages themselves run under their real CSP otherwise.
 */
export async function launchBrowser(options: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'laurel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'Asia/Tehran',
    bypassCSP: true,
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Console errors of a page (a failed asset, a CSP violation, an exception) fail the test that reads them. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

const SCREENSHOTS = join(PROJECT_ROOT, '.laurel', 'screenshots');

/** Full-page PNG under .laurel/screenshots/<name>.png (the README shows a few, copied to docs/). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // Message previews render in frames: wait until each has loaded, or it shows blank.
  for (const frame of page.frames()) await frame.waitForLoadState('load').catch(() => undefined);
  await page.evaluate('document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(true))))');
  await page.screenshot({ path, fullPage: true });
  return path;
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core over the whole page: no serious or critical violation (minor and moderate are reported). */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // A string, evaluated in the page (this file is type-checked without the DOM library).
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(blocking, `${label}: ${JSON.stringify(blocking, null, 1)}`).toEqual([]);
}

/** Switches the page's language with its own button and waits for the direction to change. */
export async function switchLocale(page: Page, locale: 'en' | 'fa'): Promise<void> {
  if ((await page.locator('html').getAttribute('lang')) === locale) return;
  await page.locator('.locale-switch').click();
  await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' });
}
