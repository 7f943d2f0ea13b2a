import { LaurelError, ValidationError } from '../../errors/index.js';
import { renderMessage, SAMPLE_LINKS, SAMPLE_LOCALES, SAMPLE_TIERS, SAMPLE_NOW, sampleMember, type TemplateSource } from '../../messaging/templates/index.js';
import type { CampaignDefinition, CampaignTemplate } from './definition.js';

/** Every template a campaign can send, with where it is defined in the document. */
function templatesOf(definition: CampaignDefinition): { path: string; template: CampaignTemplate }[] {
  const found = definition.variants.map((v, i) => ({ path: `variants.${i}.template`, template: v.template }));
  definition.steps.forEach((step, i) => {
    if (step.kind === 'follow_up') for (const [key, template] of Object.entries(step.templates)) found.push({ path: `steps.${i}.templates.${key}`, template });
  });
  return found;
}

/**
 * A campaign may launch only when each of its templates renders for a sample member of every tier
 * and locale on its channel (the marketer's stored templates first, then the built-in files).
 */
export async function validateCampaignTemplates(source: TemplateSource, definition: CampaignDefinition): Promise<void> {
  const issues: { path: string; message: string; code: string }[] = [];
  for (const { path, template } of templatesOf(definition)) {
    for (const tier of SAMPLE_TIERS) {
      for (const locale of SAMPLE_LOCALES) {
        try {
          await renderMessage({ source, message: template.message, channel: definition.channel, member: sampleMember(tier, locale), vars: template.vars, now: SAMPLE_NOW, links: SAMPLE_LINKS });
        } catch (err) {
          if (!(err instanceof LaurelError)) throw err;
          issues.push({ path, code: err.code, message: `${tier}/${locale}: ${err.message}` });
        }
      }
    }
  }
  const first = issues[0];
  if (first) throw new ValidationError('campaign_template_invalid', `${first.path}: ${first.message}`, { issues: issues.slice(0, 50) });
}
