import { useEffect, useRef } from 'preact/hooks';
import { INTL_LOCALE } from '../../shared/i18n/format.js';
import { useI18n } from '../../shared/i18n/i18n.js';

export interface BarSeries {
  label: string;
  values: readonly number[];
  color: string;
}

/**
 * A bar chart (Chart.js, loaded on first use so the console's first load stays small), mirrored
 * in right-to-left pages, with the same numbers as a table for screen readers and for copying.
 */
export function BarChart(props: { labels: readonly string[]; series: readonly BarSeries[]; label: string; testId?: string; horizontal?: boolean; stacked?: boolean; height?: number }) {
  const { t, fmt, locale, dir } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const { labels, series, horizontal = false, stacked = false } = props;
  const data = JSON.stringify([labels, series, horizontal, stacked]);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    void import('./chart-setup.js').then(({ Chart }) => {
      if (cancelled || !canvas.current) return;
      const category = { reverse: !horizontal && dir === 'rtl', stacked };
      const value = { beginAtZero: true, stacked, ticks: { precision: 0 }, reverse: horizontal && dir === 'rtl' };
      chart = new Chart(canvas.current, {
        type: 'bar',
        data: { labels: [...labels], datasets: series.map((s) => ({ label: s.label, data: [...s.values], backgroundColor: s.color })) },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: horizontal ? 'y' : 'x',
          locale: INTL_LOCALE[locale],
          plugins: { legend: { rtl: dir === 'rtl', position: 'bottom' }, tooltip: { rtl: dir === 'rtl' } },
          scales: horizontal ? { y: { ...category, position: dir === 'rtl' ? 'right' : 'left' }, x: value } : { x: category, y: value },
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
      <div class="chart-box" style={props.height ? { height: `${props.height}px` } : undefined}>
        <canvas ref={canvas} role="img" aria-label={props.label} data-testid={props.testId} />
      </div>
      <details>
        <summary>{t('chart.table')}</summary>
        <div class="table-wrap">
          <table data-testid={props.testId ? `${props.testId}-table` : undefined}>
            <thead>
              <tr>
                <th scope="col" />
                {series.map((s) => (
                  <th scope="col" class="num" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((label, i) => (
                <tr key={`${label}-${i}`}>
                  <th scope="row">{label}</th>
                  {series.map((s) => (
                    <td class="num" key={s.label}>
                      {fmt.number(s.values[i] ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
