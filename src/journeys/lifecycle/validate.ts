import { LaurelError, ValidationError } from '../../errors/index.js';
import { messageDefinition, renderMessage, SAMPLE_LINKS, SAMPLE_LOCALES, SAMPLE_NOW, SAMPLE_TIERS, sampleMember, type TemplateSource } from '../../messaging/templates/index.js';
import type { ProgramDefinition } from '../../program/index.js';
import type { JourneyDefinition } from './definition.js';

/**
 * A journey may be saved only when every message it sends renders on each of its channels for a
 * sample member of every tier and locale (marketer templates first, then the built-in files),
 * and the tiers it names exist in the program.
 */
export async function validateJourney(source: TemplateSource, definition: JourneyDefinition, program: ProgramDefinition): Promise<void> {
  const issues: { path: string; message: string; code: string }[] = [];
  const tiers = new Set(program.tiers.map((t) => t.id));
  const trigger = definition.trigger;
  if (trigger.type === 'tier_changed') {
    (trigger.toTiers ?? []).forEach((tier, i) => {
      if (!tiers.has(tier)) issues.push({ path: `trigger.toTiers.${i}`, code: 'unknown_tier', message: `the program has no tier ${tier}` });
    });
  }
  for (const [i, step] of definition.steps.entries()) {
    if (step.type !== 'send') continue;
    const definitionOfMessage = messageDefinition(step.message)!;
    for (const channel of step.channels) {
      if (!definitionOfMessage.channels.includes(channel)) {
        issues.push({ path: `steps.${i}.channels`, code: 'channel_not_supported', message: `${step.message} has no ${channel} templates (it has ${definitionOfMessage.channels.join(', ')})` });
        continue;
      }
      for (const tier of SAMPLE_TIERS) {
        for (const locale of SAMPLE_LOCALES) {
          try {
            await renderMessage({ source, message: step.message, channel, member: sampleMember(tier, locale), vars: { ...definitionOfMessage.sample, ...step.vars }, now: SAMPLE_NOW, links: SAMPLE_LINKS });
          } catch (err) {
            if (!(err instanceof LaurelError)) throw err;
            issues.push({ path: `steps.${i}`, code: err.code, message: `${channel} ${tier}/${locale}: ${err.message}` });
          }
        }
      }
    }
  }
  const first = issues[0];
  if (first) throw new ValidationError('journey_invalid', `${first.path}: ${first.message}`, { issues: issues.slice(0, 50) });
}
