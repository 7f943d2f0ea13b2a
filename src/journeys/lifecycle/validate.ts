import { LaurelError } from '../../errors/index.js';
import { messageDefinition, renderMessage, SAMPLE_LINKS, SAMPLE_LOCALES, SAMPLE_NOW, SAMPLE_TIERS, sampleMember, type TemplateSource } from '../../messaging/templates/index.js';
import type { Pool } from '../../db/index.js';
import type { ProgramDefinition } from '../../program/index.js';
import type { JourneyDefinition } from './definition.js';

/**
 * A journey may be saved only when every message it sends renders on each of its channels for a
 * sample member of every tier and locale (marketer templates first, then the built-in files),
 * the tiers it names exist in the program, and the offers it grants exist and are active.
 */
export async function validateJourney(source: TemplateSource, definition: JourneyDefinition, program: ProgramDefinition, db: Pool): Promise<void> {
  const issues: { path: string; message: string; code: string }[] = [];
  const granted = definition.steps.flatMap((s, i) => (s.type === 'grant_offer' ? [{ i, offerId: s.offerId }] : []));
  if (granted.length > 0) {
    const { rows } = await db.query<{ id: string; status: string }>(`SELECT id, status FROM offers WHERE id = ANY($1::text[])`, [granted.map((g) => g.offerId)]);
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const { i, offerId } of granted) {
      const s = status.get(offerId);
      if (s === undefined) issues.push({ path: `steps.${i}.offerId`, code: 'offer_not_found', message: `no offer ${offerId}` });
      else if (s !== 'active') issues.push({ path: `steps.${i}.offerId`, code: 'offer_not_active', message: `offer ${offerId} is ${s}` });
    }
  }
  const tiers = new Set(program.tiers.map((t) => t.id));
  const trigger = definition.trigger;
  if (trigger.type === 'tier_changed') {
    (trigger.toTiers ?? []).forEach((tier, i) => {
      if (!tiers.has(tier)) issues.push({ path: `trigger.toTiers.${i}`, code: 'unknown_tier', message: `the program has no tier ${tier}` });
    });
  }
  for (const [i, step] of definition.steps.entries()) {
    if (step.type === 'grant_offer') {
      const unsupported = step.channels.filter((c) => !messageDefinition('offer')!.channels.includes(c));
      if (unsupported.length > 0) issues.push({ path: `steps.${i}.channels`, code: 'channel_not_supported', message: `offer has no ${unsupported.join(', ')} templates` });
    }
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
  // The definition has its documented shape; what it refers to or renders does not hold: 422.
  if (first) throw new LaurelError('journey_invalid', `${first.path}: ${first.message}`, { status: 422, details: { issues: issues.slice(0, 50) } });
}
