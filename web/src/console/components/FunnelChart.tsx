import { useEffect, useRef } from 'preact/hooks';
import type { CampaignStatsView } from '../../shared/api/types.js';
import { INTL_LOCALE } from '../../shared/i18n/format.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/**
 * Audience → sent → converted per variant and the holdout, as a bar chart (Chart.js, loaded on
 * first use so the console's first load stays small) with the same numbers as a table for
 * screen readers and for copying.
 */
export function FunnelChart(props: { stats: CampaignStatsView }) {
  const { t, fmt, locale, dir } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const s = props.stats;
  const labels = [...s.variants.map((v) => t('campaigns.variant', { key: v.variant })), t('campaigns.holdout')];
  const series = [
    { key: 'audience', values: [...s.variants.map((v) => v.audience), s.holdout.audience], color: '#9bbfa8' },
    { key: 'sent', values: [...s.variants.map((v) => v.sent), 0], color: '#1f6f43' },
    { key: 'converted', values: [...s.variants.map((v) => v.converted), s.holdout.converted], color: '#8a6100' },
  ];
  const data = JSON.stringify([labels, series]);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    void import('./chart-setup.js').then(({ Chart }) => {
      if (cancelled || !canvas.current) return;
      chart = new Chart(canvas.current, {
        type: 'bar',
        data: { labels, datasets: series.map((x) => ({ label: t(`campaigns.stat.${x.key}`), data: x.values, backgroundColor: x.color })) },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          locale: INTL_LOCALE[locale],
          plugins: { legend: { rtl: dir === 'rtl', position: 'bottom' }, tooltip: { rtl: dir === 'rtl' } },
          scales: { x: { reverse: dir === 'rtl' }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [data, locale]);
  return (
    <figure style={{ margin: 0 }}>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={t('campaigns.funnel')} data-testid="funnel-chart" />
      </div>
      <details>
        <summary>{t('chart.table')}</summary>
        <table data-testid="funnel-table">
          <thead>
            <tr>
              <th scope="col" />
              {series.map((x) => (
                <th scope="col" class="num" key={x.key}>
                  {t(`campaigns.stat.${x.key}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((x) => (
                  <td class="num" key={x.key}>
                    {fmt.number(x.values[i] ?? 0)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
