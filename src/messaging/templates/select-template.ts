import { NotFoundError } from '../../errors/index.js';
import { DEFAULT_LOCALE, canonicalLocale, languageOf, localeCandidates } from './locale.js';
import { TIER_PATTERN, formatTemplateFileName, templateKey } from './template-name.js';
import type { TemplateSource } from './template-source.js';
import type { Channel } from './types.js';

export interface TemplateQuery {
  message: string;
  channel: Channel;
  tier: string;
  locale: string;
}

export interface TemplateSelection {
  message: string;
  fileName: string;
  templateKey: string;
  /** Which rung of the fallback ladder matched. */
  matched: 'tier+locale' | 'tier' | 'locale' | 'default';
  tier?: string;
  /** The locale the chosen file is written in: its suffix, or the default locale for tier-only and default files. */
  locale: string;
}

/**
 * The fallback ladder, most specific first: tier+locale → tier → locale → default. Each locale
 * rung expands to the member's full tag then its language (`fa-IR`, then `fa`). Values that are
 * not valid tier ids or locales are skipped rather than spliced into a name.
 */
export function templateCandidates(
  channel: Channel,
  tier: string,
  locale: string,
): { fileName: string; matched: TemplateSelection['matched']; tier?: string; locale?: string }[] {
  const tierOk = TIER_PATTERN.test(tier);
  const locales = localeCandidates(locale).map((candidate) => (candidate.includes('-') ? regionTag(candidate) : candidate));
  const candidates: { fileName: string; matched: TemplateSelection['matched']; tier?: string; locale?: string }[] = [];
  if (tierOk) {
    for (const loc of locales) candidates.push({ fileName: formatTemplateFileName({ channel, tier, locale: loc }), matched: 'tier+locale', tier, locale: loc });
    candidates.push({ fileName: formatTemplateFileName({ channel, tier }), matched: 'tier', tier });
  }
  for (const loc of locales) candidates.push({ fileName: formatTemplateFileName({ channel, locale: loc }), matched: 'locale', locale: loc });
  candidates.push({ fileName: formatTemplateFileName({ channel }), matched: 'default' });
  return candidates;
}

/** File names carry `<language>-<REGION>` only (no scripts or variants): `fa-Arab-IR` → `fa-IR`. */
function regionTag(tag: string): string {
  const region = tag.split('-').find((part, index) => index > 0 && /^[A-Z]{2}$/.test(part));
  return region ? `${languageOf(tag)}-${region}` : languageOf(tag);
}

/** Pure: picks from the file names a message has. Undefined when nothing on the ladder exists. */
export function selectTemplateName(
  available: Iterable<string>,
  query: TemplateQuery,
  defaultLocale: string = DEFAULT_LOCALE,
): TemplateSelection | undefined {
  const names = new Set(available);
  for (const candidate of templateCandidates(query.channel, query.tier, query.locale)) {
    if (!names.has(candidate.fileName)) continue;
    const selection: TemplateSelection = {
      message: query.message,
      fileName: candidate.fileName,
      templateKey: templateKey(query.message, candidate.fileName),
      matched: candidate.matched,
      locale: candidate.locale ?? canonicalLocale(defaultLocale) ?? DEFAULT_LOCALE,
    };
    if (candidate.tier !== undefined) selection.tier = candidate.tier;
    return selection;
  }
  return undefined;
}

/** Lists the message's files in the source and walks the ladder; throws `template_not_found`. */
export async function selectTemplate(
  source: TemplateSource,
  query: TemplateQuery,
  defaultLocale: string = DEFAULT_LOCALE,
): Promise<TemplateSelection> {
  const selection = selectTemplateName(await source.list(query.message), query, defaultLocale);
  if (!selection) {
    throw new NotFoundError('template_not_found', `no ${query.channel} template for message ${query.message}`, {
      message: query.message,
      channel: query.channel,
      tier: query.tier,
      locale: query.locale,
      tried: templateCandidates(query.channel, query.tier, query.locale).map((c) => c.fileName),
    });
  }
  return selection;
}
