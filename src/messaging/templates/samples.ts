import { REFERENCE_TIERS } from './tier-names.js';
import type { MessageLinks, RenderMember } from './types.js';

export const SAMPLE_TIERS: readonly string[] = REFERENCE_TIERS;
export const SAMPLE_LOCALES: readonly string[] = ['en', 'fa'];

/** A plausible member for previews and validation; fa members live in Tehran. */
export function sampleMember(tier: string, locale: string): RenderMember {
  const persian = locale.startsWith('fa');
  return {
    id: `sample-${tier}-${locale}`,
    firstName: persian ? 'سارا' : 'Sara',
    email: 'sara@example.com',
    locale,
    timeZone: persian ? 'Asia/Tehran' : 'Europe/London',
    tier,
    attributes: { city: persian ? 'تهران' : 'London', favoriteStore: 'Valiasr' },
  };
}

export const SAMPLE_LINKS: MessageLinks = {
  unsubscribe: 'https://rewards.example.com/u/sample-token',
  preferences: 'https://rewards.example.com/preferences',
  app: 'https://rewards.example.com/app',
};
