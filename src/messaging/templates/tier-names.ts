import { languageOf } from './locale.js';

/** Built-in display names for the reference tiers; programs may name their tiers differently. */
const TIER_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  en: { bronze: 'Bronze', silver: 'Silver', gold: 'Gold', diamond: 'Diamond', platinum: 'Platinum' },
  fa: { bronze: 'برنزی', silver: 'نقره‌ای', gold: 'طلایی', diamond: 'الماس', platinum: 'پلاتینی' },
};

export const REFERENCE_TIERS = ['bronze', 'silver', 'gold', 'diamond'] as const;

/** Localized tier name; an unknown tier id is shown title-cased (`vip_plus` → `Vip Plus`). */
export function localizedTierName(tier: string, locale: string, overrides?: Readonly<Record<string, string>>): string {
  const override = overrides?.[tier];
  if (override) return override;
  const names = TIER_NAMES[languageOf(locale)] ?? TIER_NAMES.en!;
  return names[tier] ?? TIER_NAMES.en![tier] ?? tier.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}
