import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_MESSAGES,
  CHANNELS,
  FileTemplateSource,
  MESSAGE_REGISTRY,
  SAMPLE_LINKS,
  SAMPLE_LOCALES,
  SAMPLE_NOW,
  SAMPLE_TIERS,
  parseTemplateFileName,
  renderMessage,
  sampleMember,
  validateTemplate,
} from '../../../src/messaging/templates/index.js';

const source = new FileTemplateSource();

describe('built-in messages', () => {
  it('the registry lists the eleven messages of the issue, the offer message campaigns give offers with, and the lifecycle journeys\' eight', () => {
    expect([...BUILT_IN_MESSAGES].sort()).toEqual(
      [
        'welcome',
        'points_earned',
        'tier_upgraded',
        'tier_downgraded',
        'points_expiring',
        'points_expired',
        'mission_progress',
        'mission_completed',
        'contest_result',
        'draw_won',
        'winback_offer',
        'offer',
        'welcome_how_to_earn',
        'first_purchase_nudge',
        'bonus_points',
        'first_purchase_thanks',
        'almost_next_tier',
        'birthday',
        'membership_anniversary',
        'inactivity_nudge',
      ].sort(),
    );
  });

  it('the templates directory has a folder for each of them', async () => {
    expect(await source.messageNames()).toEqual(expect.arrayContaining([...BUILT_IN_MESSAGES]));
  });

  for (const definition of MESSAGE_REGISTRY.values()) {
    describe(definition.name, () => {
      it('has email in en and fa, a gold variant in both, and files for every channel it declares', async () => {
        const files = await source.list(definition.name);
        expect(files).toEqual(expect.arrayContaining(['email.hbs', 'email.fa.hbs', 'email.gold.hbs', 'email.gold.fa.hbs']));
        expect(definition.channels).toContain('email');
        for (const channel of definition.channels) {
          expect(files, channel).toEqual(expect.arrayContaining([`${channel}.hbs`, `${channel}.fa.hbs`]));
        }
        for (const file of files) {
          const name = parseTemplateFileName(file)!;
          expect(definition.channels, file).toContain(name.channel);
          // a tier variant in one locale has its counterpart in the other
          if (name.tier) expect(files, file).toContain(name.locale ? `${name.channel}.${name.tier}.hbs` : `${name.channel}.${name.tier}.fa.hbs`);
        }
      });

      it('every file passes validateTemplate against samples of every tier and locale', async () => {
        const partials = await source.partials();
        for (const file of await source.list(definition.name)) {
          const name = parseTemplateFileName(file)!;
          const content = (await source.read(definition.name, file))!;
          const { previews } = validateTemplate(content, { message: definition.name, channel: name.channel, partials, locale: name.locale ?? 'en' });
          expect(previews).toHaveLength(SAMPLE_TIERS.length * SAMPLE_LOCALES.length);
        }
      });

      for (const channel of definition.channels) {
        it(`renders ${channel} for every tier and locale with its sample context`, async () => {
          for (const tier of SAMPLE_TIERS) {
            for (const locale of SAMPLE_LOCALES) {
              const rendered = await renderMessage({
                source,
                message: definition.name,
                channel,
                member: sampleMember(tier, locale),
                vars: definition.sample,
                now: SAMPLE_NOW,
                links: SAMPLE_LINKS,
              });
              const where = `${definition.name}/${channel} ${tier} ${locale}`;
              expect(rendered.locale, where).toBe(locale);
              expect(rendered.dir, where).toBe(locale === 'fa' ? 'rtl' : 'ltr');
              expect(rendered.kind).toBe(definition.kind);
              const parts = [rendered.subject, rendered.html, rendered.text, rendered.title, rendered.body].filter((part): part is string => part !== undefined);
              expect(parts.length, where).toBeGreaterThan(0);
              for (const part of parts) {
                expect(part, where).not.toMatch(/\{\{|\}\}|undefined|NaN|\[object Object\]/);
                expect(part.trim(), where).not.toBe('');
                // Persian content carries Persian digits only (outside markup, links and the samples' own strings)
                if (locale === 'fa') expect(visibleGeneratedText(part, definition.sample), where).not.toMatch(/[0-9]/);
              }
              if (channel === 'email') {
                expect(rendered.subject, where).not.toContain('\n');
                expect(rendered.html, where).toContain(`<html lang="${locale}" dir="${locale === 'fa' ? 'rtl' : 'ltr'}">`);
                if (definition.kind === 'marketing') expect(rendered.html, where).toContain(SAMPLE_LINKS.unsubscribe);
              }
              if (channel === 'sms') expect(rendered.text!.length, where).toBeLessThanOrEqual(320);
              if (channel === 'email' && tier === 'gold') expect(rendered.templateKey, where).toContain('.gold.');
              if (tier === 'bronze' || tier === 'silver') expect(rendered.templateKey, where).not.toMatch(/\.(gold|diamond)\./);
            }
          }
        });
      }

      it('gold reads differently from bronze', async () => {
        const render = (tier: string, locale: string) =>
          renderMessage({ source, message: definition.name, channel: 'email', member: sampleMember(tier, locale), vars: definition.sample, now: SAMPLE_NOW, links: SAMPLE_LINKS });
        for (const locale of SAMPLE_LOCALES) {
          const [bronze, gold] = await Promise.all([render('bronze', locale), render('gold', locale)]);
          expect(gold.templateKey).toContain('.gold');
          expect(gold.text).not.toBe(bronze.text?.replace('Bronze', 'Gold'));
          expect(gold.subject).not.toBe(bronze.subject);
        }
      });
    });
  }

  it('sms and inbox exist for points_expiring, tier_upgraded and draw_won', () => {
    for (const name of ['points_expiring', 'tier_upgraded', 'draw_won']) {
      expect(MESSAGE_REGISTRY.get(name)!.channels).toEqual(expect.arrayContaining([...CHANNELS]));
    }
  });
});

/** Text a reader sees that the template or a helper produced: no tags, styles, URLs or sample strings. */
function visibleGeneratedText(part: string, sample: Readonly<Record<string, unknown>>): string {
  const sampleStrings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') sampleStrings.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object' && !('amountMinor' in value)) Object.values(value).forEach(collect);
  };
  collect(sample);
  let text = part.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]*>/g, '').replace(/https?:\/\/\S+/g, '');
  for (const value of sampleStrings.sort((a, b) => b.length - a.length)) text = text.split(value).join('');
  return text;
}
