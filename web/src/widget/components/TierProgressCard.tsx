import type { MemberSummaryView } from '../../shared/api/types.js';
import { ProgressBar } from '../../shared/components/ProgressBar.js';
import { useI18n } from '../../shared/i18n/i18n.js';

type Tier = MemberSummaryView['tier'];
type Gap = NonNullable<Tier['toNextTier']>[number];

/** The tier, the bar to the next one with the gap in words, and what keeps the tier at review. */
export function TierProgressCard(props: { tier: Tier }) {
  const { t, fmt, has } = useI18n();
  const tier = props.tier;
  const metric = (g: Gap) => (has(`widget.metric.${g.key}`) ? t(`widget.metric.${g.key}`) : g.label);
  const next = tier.nextTier;
  const gaps = tier.toNextTier ?? [];
  // The bar follows the gap closest to done (for any_of, closing one is enough).
  const lead = [...gaps].sort((a, b) => b.current / Math.max(1, b.required) - a.current / Math.max(1, a.required))[0];
  const keepGap = tier.toKeepCurrentTier.find((g) => g.gap > 0);
  return (
    <section class="card" aria-labelledby="tier-h">
      <h2 id="tier-h" class="small muted">
        {t('widget.tier')}
      </h2>
      <p class="tier-name" data-testid="tier-name">
        {fmt.tierName(tier.currentTier)}
      </p>
      {tier.currentTier.earnBonusPercent > 0 ? <p class="small">{t('widget.tier.bonus', { n: fmt.number(tier.currentTier.earnBonusPercent) })}</p> : null}
      {!next ? (
        <p>{t('widget.tier.top')}</p>
      ) : lead ? (
        <div class="stack">
          <ProgressBar value={lead.current} max={lead.required} label={t('widget.tier.progressLabel', { tier: fmt.tierName(next) })} valueText={`${fmt.number(lead.current)} / ${fmt.number(lead.required)}`} />
          {tier.metricType === 'any_of' && gaps.length > 1 ? <p>{t('widget.tier.toNextAny', { tier: fmt.tierName(next) })}</p> : null}
          <ul class="list">
            {gaps.map((g) => (
              <li key={g.key} data-testid="tier-gap">
                {t('widget.tier.toNext', { gap: fmt.number(g.gap), metric: metric(g), tier: fmt.tierName(next) })}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p class="small muted">
        {tier.validUntil === null
          ? t('widget.tier.permanent')
          : keepGap
            ? t('widget.tier.keep', { tier: fmt.tierName(tier.currentTier), date: fmt.date(tier.validUntil), gap: fmt.number(keepGap.gap), metric: metric(keepGap) })
            : t('widget.tier.kept', { tier: fmt.tierName(tier.currentTier), date: fmt.date(tier.validUntil) })}
        {tier.inGrace && tier.graceUntil ? ` ${t('widget.tier.grace', { date: fmt.date(tier.graceUntil) })}` : ''}
      </p>
    </section>
  );
}
