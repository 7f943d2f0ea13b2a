import type { CampaignStatsView } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { BarChart } from './BarChart.js';

/** Audience → sent → converted per variant and the holdout. */
export function FunnelChart(props: { stats: CampaignStatsView }) {
  const { t } = useI18n();
  const s = props.stats;
  const labels = [...s.variants.map((v) => t('campaigns.variant', { key: v.variant })), t('campaigns.holdout')];
  const series = [
    { label: t('campaigns.stat.audience'), values: [...s.variants.map((v) => v.audience), s.holdout.audience], color: '#9bbfa8' },
    { label: t('campaigns.stat.sent'), values: [...s.variants.map((v) => v.sent), 0], color: '#1f6f43' },
    { label: t('campaigns.stat.converted'), values: [...s.variants.map((v) => v.converted), s.holdout.converted], color: '#8a6100' },
  ];
  return <BarChart labels={labels} series={series} label={t('campaigns.funnel')} testId="funnel-chart" />;
}
