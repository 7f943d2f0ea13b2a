import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InMemoryTemplateSource,
  formatTemplateFileName,
  parseTemplateFileName,
  selectTemplate,
  selectTemplateName,
  templateCandidates,
} from '../../../src/messaging/templates/index.js';

const query = { message: 'points_expiring', channel: 'email' as const, tier: 'gold', locale: 'fa' };

describe('selectTemplateName: fallback tier+locale → tier → locale → default', () => {
  const all = ['email.gold.fa.hbs', 'email.gold.hbs', 'email.fa.hbs', 'email.hbs'];

  it('prefers tier+locale when everything exists', () => {
    const selection = selectTemplateName(all, query);
    expect(selection).toMatchObject({ fileName: 'email.gold.fa.hbs', matched: 'tier+locale', tier: 'gold', locale: 'fa', templateKey: 'points_expiring/email.gold.fa.hbs' });
  });

  it('falls back to the tier file (written in the default locale) when there is no tier+locale file', () => {
    expect(selectTemplateName(['email.gold.hbs', 'email.fa.hbs', 'email.hbs'], query)).toMatchObject({ fileName: 'email.gold.hbs', matched: 'tier', locale: 'en' });
  });

  it('falls back to the locale file when there is no tier variant', () => {
    expect(selectTemplateName(['email.fa.hbs', 'email.hbs', 'email.silver.fa.hbs'], query)).toMatchObject({ fileName: 'email.fa.hbs', matched: 'locale', locale: 'fa' });
  });

  it('falls back to the default file last', () => {
    expect(selectTemplateName(['email.hbs', 'email.de.hbs', 'sms.gold.fa.hbs'], query)).toMatchObject({ fileName: 'email.hbs', matched: 'default', locale: 'en' });
  });

  it('returns undefined when nothing on the ladder exists', () => {
    expect(selectTemplateName(['sms.hbs', 'email.silver.hbs', 'email.de.hbs'], query)).toBeUndefined();
  });

  it('honours the default locale for unsuffixed files', () => {
    expect(selectTemplateName(['email.hbs'], query, 'fa')).toMatchObject({ locale: 'fa' });
  });

  it('picks, for every subset of the four rungs, the first present rung (exhaustive)', () => {
    for (let mask = 0; mask < 16; mask++) {
      const present = all.filter((_, index) => mask & (1 << index));
      const expected = all.find((name) => present.includes(name));
      expect(selectTemplateName(present, query)?.fileName, `files: ${present.join(', ')}`).toBe(expected);
    }
  });

  it('expands a regional locale: fa-IR tries fa-IR then fa at each locale rung', () => {
    expect(templateCandidates('email', 'gold', 'fa-IR').map((c) => c.fileName)).toEqual([
      'email.gold.fa-IR.hbs',
      'email.gold.fa.hbs',
      'email.gold.hbs',
      'email.fa-IR.hbs',
      'email.fa.hbs',
      'email.hbs',
    ]);
    expect(selectTemplateName(['email.gold.fa.hbs', 'email.fa-IR.hbs'], { ...query, locale: 'fa-ir' })?.fileName).toBe('email.gold.fa.hbs');
    expect(selectTemplateName(['email.fa-IR.hbs', 'email.fa.hbs'], { ...query, tier: 'bronze', locale: 'fa_IR' })?.fileName).toBe('email.fa-IR.hbs');
  });

  it('never splices an invalid tier or locale into a name', () => {
    const names = templateCandidates('email', '../../etc/passwd', '../x').map((c) => c.fileName);
    expect(names).toEqual(['email.hbs']);
    expect(selectTemplateName(['email.hbs', 'email.gold.hbs'], { ...query, tier: 'Gold<script>', locale: '' })?.fileName).toBe('email.hbs');
  });

  it('property: the selection is always the first candidate present, or none', () => {
    const tiers = fc.constantFrom('bronze', 'silver', 'gold', 'diamond');
    const locales = fc.constantFrom('en', 'fa', 'fa-IR', 'de');
    const files = fc.subarray(
      ['email.hbs', 'email.fa.hbs', 'email.en.hbs', 'email.gold.hbs', 'email.gold.fa.hbs', 'email.diamond.hbs', 'email.diamond.en.hbs', 'email.fa-IR.hbs', 'sms.hbs'],
    );
    fc.assert(
      fc.property(tiers, locales, files, (tier, locale, present) => {
        const selection = selectTemplateName(present, { message: 'm', channel: 'email', tier, locale });
        const first = templateCandidates('email', tier, locale).find((c) => present.includes(c.fileName));
        expect(selection?.fileName).toBe(first?.fileName);
      }),
    );
  });
});

describe('selectTemplate over a source', () => {
  it('throws template_not_found with the names it tried', async () => {
    const source = new InMemoryTemplateSource({ 'welcome/sms.hbs': 'hi' });
    await expect(selectTemplate(source, { message: 'welcome', channel: 'email', tier: 'gold', locale: 'fa' })).rejects.toMatchObject({
      code: 'template_not_found',
      status: 404,
      details: { tried: ['email.gold.fa.hbs', 'email.gold.hbs', 'email.fa.hbs', 'email.hbs'] },
    });
    await expect(selectTemplate(source, { message: 'nothing', channel: 'sms', tier: 'gold', locale: 'fa' })).rejects.toMatchObject({ code: 'template_not_found' });
  });

  it('finds the file through the source', async () => {
    const source = new InMemoryTemplateSource({ 'welcome/email.gold.hbs': '--- subject\nx\n--- html\ny' });
    await expect(selectTemplate(source, { message: 'welcome', channel: 'email', tier: 'gold', locale: 'fa' })).resolves.toMatchObject({ fileName: 'email.gold.hbs' });
  });
});

describe('template file names', () => {
  it('parses and formats the layout', () => {
    expect(parseTemplateFileName('email.hbs')).toEqual({ channel: 'email' });
    expect(parseTemplateFileName('email.fa.hbs')).toEqual({ channel: 'email', locale: 'fa' });
    expect(parseTemplateFileName('email.fa-IR.hbs')).toEqual({ channel: 'email', locale: 'fa-IR' });
    expect(parseTemplateFileName('sms.gold.hbs')).toEqual({ channel: 'sms', tier: 'gold' });
    expect(parseTemplateFileName('inbox.diamond.en.hbs')).toEqual({ channel: 'inbox', tier: 'diamond', locale: 'en' });
    for (const bad of ['email.txt', 'fax.hbs', 'email.gold.fa.x.hbs', 'email.Gold.hbs', 'email.gold.farsi.hbs', 'email..hbs']) {
      expect(parseTemplateFileName(bad), bad).toBeUndefined();
    }
    for (const name of [{ channel: 'email' as const }, { channel: 'sms' as const, tier: 'gold' }, { channel: 'inbox' as const, tier: 'gold', locale: 'fa' }]) {
      expect(parseTemplateFileName(formatTemplateFileName(name))).toEqual(name);
    }
  });

  it('ignores files outside the layout in an in-memory source', async () => {
    const source = new InMemoryTemplateSource({ 'welcome/email.hbs': 'a', 'welcome/notes.txt': 'b', '../etc/passwd': 'c', 'partials/layout.hbs': 'd', 'partials/../x.hbs': 'e' });
    expect(await source.list('welcome')).toEqual(['email.hbs']);
    expect([...(await source.partials()).keys()]).toEqual(['layout']);
    expect(source.messageNames()).toEqual(['welcome']);
  });
});
