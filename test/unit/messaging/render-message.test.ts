import { describe, expect, it } from 'vitest';
import {
  FileTemplateSource,
  InMemoryTemplateSource,
  SAMPLE_LINKS,
  SAMPLE_NOW,
  TemplateCache,
  layeredTemplateSource,
  messageDefinition,
  renderMessage,
  type RenderMember,
} from '../../../src/messaging/templates/index.js';

const builtIns = new FileTemplateSource();
const now = SAMPLE_NOW; // 2026-11-20T08:30:00Z

const goldFa: RenderMember = { id: 'm-gold', firstName: 'سارا', locale: 'fa', timeZone: 'Asia/Tehran', tier: 'gold' };
const bronzeEn: RenderMember = { id: 'm-bronze', firstName: 'Sam', locale: 'en', timeZone: 'Europe/London', tier: 'bronze' };
const expiring = { points: 3500, expiresAt: '2026-11-25T20:29:59Z', balance: 12_750 };

describe('renderMessage with the built-in templates', () => {
  it('gives a gold member in fa the gold fa variant: Persian calendar, Persian digits, rtl', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'email', member: goldFa, vars: expiring, now, links: SAMPLE_LINKS });
    expect(rendered).toMatchObject({ templateKey: 'points_expiring/email.gold.fa.hbs', locale: 'fa', dir: 'rtl', kind: 'transactional' });
    expect(rendered.subject).toBe('یادآوری ویژه: ۳٬۵۰۰ امتیاز در ۴ آذر ۱۴۰۵ منقضی می‌شود');
    expect(rendered.html).toContain('<html lang="fa" dir="rtl">');
    expect(rendered.html).toContain('direction:rtl;text-align:right');
    expect(rendered.html).toContain('<strong>۴ آذر ۱۴۰۵</strong> (۵ روز دیگر)');
    expect(rendered.html).toContain('سطح <strong>طلایی</strong>');
    expect(rendered.text).toContain('۱۲٬۷۵۰ امتیاز');
    expect(rendered.text).not.toMatch(/[0-9]/);
    expect(rendered.html).not.toContain('{{');
  });

  it('gives a bronze member in en the default en text', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'email', member: bronzeEn, vars: expiring, now, links: SAMPLE_LINKS });
    expect(rendered).toMatchObject({ templateKey: 'points_expiring/email.hbs', locale: 'en', dir: 'ltr' });
    expect(rendered.subject).toBe('3,500 of your points expire in 5 days');
    expect(rendered.text).toBe(
      [
        'Hi Sam,',
        '',
        '3,500 points in your account expire on November 25, 2026 (in 5 days).',
        '',
        'Your balance is 12,750 points. Redeem or make a purchase before then and nothing is lost.',
        'Use my points: https://rewards.example.com/app',
      ].join('\n'),
    );
    expect(rendered.html).toContain('<html lang="en" dir="ltr">');
  });

  it('renders dates in the member time zone: in London the same instant is still the 25th', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'sms', member: { ...bronzeEn, timeZone: 'America/Los_Angeles' }, vars: expiring, now });
    expect(rendered.text).toBe('3,500 points expire in 5 days (Nov 25, 2026). Balance: 12,750. Use them before they go.');
    expect(rendered).toMatchObject({ templateKey: 'points_expiring/sms.hbs' });
  });

  it('renders sms and inbox parts', async () => {
    const sms = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'sms', member: goldFa, vars: expiring, now });
    expect(sms.templateKey).toBe('points_expiring/sms.gold.fa.hbs');
    expect(sms.text).toBe('یادآوری سطح طلایی: ۳٬۵۰۰ امتیاز در ۴ آذر ۱۴۰۵ منقضی می‌شود. برای تمدید یک‌باره با پشتیبانی ویژه تماس بگیرید.');
    const inbox = await renderMessage({ source: builtIns, message: 'tier_upgraded', channel: 'inbox', member: { ...bronzeEn, tier: 'gold' }, vars: messageDefinition('tier_upgraded')!.sample, now });
    expect(inbox).toMatchObject({ templateKey: 'tier_upgraded/inbox.hbs', title: 'You are now Gold' });
    expect(inbox.body).toBe('Moved up from Silver. Enjoy 15% extra points on every purchase, guaranteed until Nov 19, 2027.');
    expect(inbox.html).toBeUndefined();
  });

  it('uses the program tier name when the member has one', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'sms', member: { ...goldFa, locale: 'en', tierName: 'Laurel Gold' }, vars: expiring, now });
    expect(rendered.text).toMatch(/^Laurel Gold reminder: 3,500 points/);
  });

  it('formats money from integer minor units', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'draw_won', channel: 'inbox', member: bronzeEn, vars: { ...messageDefinition('draw_won')!.sample, prizeValue: { amountMinor: '123456', currency: 'USD' } }, now });
    expect(rendered.body).toBe('Winner of the Yalda night draw ($1,234.56). Claim by Dec 20, 2026.');
  });

  it('a fa-IR member falls back to the fa files; an en-GB member formats British dates in the en file', async () => {
    const fa = await renderMessage({ source: builtIns, message: 'points_expired', channel: 'inbox', member: { ...goldFa, locale: 'fa-IR', tier: 'silver' }, vars: { points: 800, balance: 9250 }, now });
    expect(fa).toMatchObject({ templateKey: 'points_expired/inbox.fa.hbs', locale: 'fa', dir: 'rtl', title: '۸۰۰ امتیاز منقضی شد' });
    const gb = await renderMessage({ source: builtIns, message: 'points_expiring', channel: 'inbox', member: { ...bronzeEn, locale: 'en-GB' }, vars: expiring, now });
    expect(gb.body).toBe('They expire on 25 November 2026. Your balance is 12,750 points.');
  });

  it('a member whose locale has no templates gets the default (en) file, formatted consistently in en', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expired', channel: 'inbox', member: { ...bronzeEn, locale: 'de' }, vars: { points: 1, balance: 0 }, now });
    expect(rendered).toMatchObject({ templateKey: 'points_expired/inbox.hbs', locale: 'en', dir: 'ltr', title: '1 point expired', body: 'Your balance is now 0 points.' });
  });

  it('marketing email carries the unsubscribe link in the footer and the text part', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'winback_offer', channel: 'email', member: goldFa, vars: messageDefinition('winback_offer')!.sample, now, links: SAMPLE_LINKS });
    expect(rendered.kind).toBe('marketing');
    expect(rendered.html).toContain('<a href="https://rewards.example.com/u/sample-token" style="color:#7a7468;">لغو اشتراک</a>');
    expect(rendered.text).toContain('لغو اشتراک: https://rewards.example.com/u/sample-token');
    expect(rendered.subject).toContain('۵۰۰ امتیاز هدیه');
    expect(rendered.html).toContain('۲٬۰۰۰٬۰۰۰ تومان');
  });
});

describe('renderMessage errors', () => {
  it('template_not_found for an unknown message and for a channel without templates', async () => {
    await expect(renderMessage({ source: builtIns, message: 'nope', channel: 'email', member: bronzeEn, vars: {}, now })).rejects.toMatchObject({ code: 'template_not_found' });
    await expect(
      renderMessage({ source: builtIns, message: 'points_expired', channel: 'sms', member: bronzeEn, vars: { points: 1, balance: 2 }, now }),
    ).rejects.toMatchObject({ code: 'template_not_found', status: 404 });
  });

  it('template_variable_missing lists the missing required variables (strict by default)', async () => {
    await expect(renderMessage({ source: builtIns, message: 'points_expiring', channel: 'email', member: bronzeEn, vars: { points: 5 }, now })).rejects.toMatchObject({
      code: 'template_variable_missing',
      details: { missing: ['expiresAt', 'balance'] },
    });
  });

  it('template_variable_invalid for wrongly typed variables (floats for points, bad dates, bad money)', async () => {
    await expect(
      renderMessage({ source: builtIns, message: 'points_expiring', channel: 'email', member: bronzeEn, vars: { ...expiring, points: 12.5, expiresAt: 'soon' }, now }),
    ).rejects.toMatchObject({ code: 'template_variable_invalid', details: { invalid: [expect.objectContaining({ variable: 'points' }), expect.objectContaining({ variable: 'expiresAt' })] } });
    await expect(
      renderMessage({ source: builtIns, message: 'winback_offer', channel: 'sms', member: bronzeEn, vars: { ...messageDefinition('winback_offer')!.sample, spendThreshold: { amountMinor: 1.5, currency: 'IRT' } }, now, links: SAMPLE_LINKS }),
    ).rejects.toMatchObject({ code: 'template_variable_invalid' });
    await expect(
      renderMessage({ source: builtIns, message: 'draw_won', channel: 'sms', member: bronzeEn, vars: { ...messageDefinition('draw_won')!.sample, verifyUrl: 'javascript:alert(1)' }, now }),
    ).rejects.toMatchObject({ code: 'template_variable_invalid' });
  });

  it('marketing email without an unsubscribe link is refused', async () => {
    await expect(
      renderMessage({ source: builtIns, message: 'winback_offer', channel: 'email', member: bronzeEn, vars: messageDefinition('winback_offer')!.sample, now }),
    ).rejects.toMatchObject({ code: 'template_variable_missing', details: { missing: ['links.unsubscribe'] } });
  });

  it('non-strict mode renders what it can', async () => {
    const rendered = await renderMessage({ source: builtIns, message: 'points_expired', channel: 'inbox', member: bronzeEn, vars: { points: 3, balance: 4, extra: 'ignored' }, now, strict: false });
    expect(rendered.title).toBe('3 points expired');
  });

  it('rejects a member without a usable time zone', async () => {
    await expect(renderMessage({ source: builtIns, message: 'points_expired', channel: 'inbox', member: { ...bronzeEn, timeZone: 'Nowhere/City' }, vars: { points: 3, balance: 4 }, now })).rejects.toMatchObject({
      code: 'template_variable_invalid',
    });
  });
});

describe('sources and cache', () => {
  it('a marketer layer overrides a built-in file; the cache recompiles when the content changes', async () => {
    const overrides = new InMemoryTemplateSource({ 'points_expired/inbox.gold.hbs': '--- title\nGold: {{points points}} gone\n--- body\nBalance {{points balance}}' });
    const source = layeredTemplateSource(overrides, builtIns);
    const cache = new TemplateCache<never>();
    const member = { ...bronzeEn, tier: 'gold' };
    const first = await renderMessage({ source, message: 'points_expired', channel: 'inbox', member, vars: { points: 3, balance: 4 }, now, cache });
    expect(first).toMatchObject({ templateKey: 'points_expired/inbox.gold.hbs', title: 'Gold: 3 gone' });
    await renderMessage({ source, message: 'points_expired', channel: 'inbox', member, vars: { points: 3, balance: 4 }, now, cache });
    expect(cache.misses).toBe(2); // partials + template
    expect(cache.hits).toBe(2);
    overrides.set('points_expired/inbox.gold.hbs', '--- title\nGold v2: {{points points}}\n--- body\nx');
    const second = await renderMessage({ source, message: 'points_expired', channel: 'inbox', member, vars: { points: 3, balance: 4 }, now, cache });
    expect(second.title).toBe('Gold v2: 3');
    expect(cache.misses).toBe(3);
    const bronze = await renderMessage({ source, message: 'points_expired', channel: 'inbox', member: bronzeEn, vars: { points: 3, balance: 4 }, now, cache });
    expect(bronze.templateKey).toBe('points_expired/inbox.hbs');
  });

  it('a changed layout partial is picked up', async () => {
    const source = new InMemoryTemplateSource({
      'partials/layout.hbs': '<main dir="{{dir}}">{{{content}}}</main>',
      'points_expired/email.hbs': '--- subject\ns\n--- html\n<p>{{points points}}</p>',
    });
    const render = () => renderMessage({ source, message: 'points_expired', channel: 'email', member: goldFa, vars: { points: 3, balance: 4 }, now });
    expect((await render()).html).toBe('<main dir="ltr"><p>3</p></main>');
    source.set('partials/layout.hbs', '<section lang="{{lang}}">{{{content}}}</section>');
    expect((await render()).html).toBe('<section lang="en"><p>3</p></section>');
  });

  it('evicts the least recently used entry beyond its size', () => {
    const cache = new TemplateCache<number>(2);
    cache.getOrCreate('a', () => 1);
    cache.getOrCreate('b', () => 2);
    cache.getOrCreate('a', () => 99);
    cache.getOrCreate('c', () => 3);
    expect(cache.size).toBe(2);
    expect(cache.getOrCreate('a', () => 100)).toBe(1);
    expect(cache.getOrCreate('b', () => 200)).toBe(200);
  });
});
