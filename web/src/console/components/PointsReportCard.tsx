import { useEffect, useRef, useState } from 'preact/hooks';
import type { PointsReport } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { INTL_LOCALE } from '../../shared/i18n/format.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * GET /v1/reports/points over a date range: issued, redeemed and expired per interval (the Persian
 * calendar's weeks and months when the console is in fa) and the liability at the end; CSV download
 * fetched with the key in the header (never a link carrying it).
 */
export function PointsReportCard() {
  const { api } = useConsole();
  const { t, fmt, locale, dir } = useI18n();
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(isoDay(new Date()));
  const [interval, setInterval] = useState<'day' | 'week' | 'month'>('day');
  const query = { from, to, interval, calendar: locale === 'fa' ? 'persian' : 'gregorian' };
  const report = useLoad((signal) => api.get<PointsReport>('/v1/reports/points', query, { signal }), [from, to, interval, locale]);
  const csv = useAction(async () => {
    const text = await api.get<string>('/v1/reports/points', { ...query, format: 'csv' }, { as: 'text' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    a.download = `points_${from}_${to}_${interval}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  });
  const canvas = useRef<HTMLCanvasElement>(null);
  const data = report.data;
  useEffect(() => {
    if (!data || !canvas.current) return;
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    void import('./chart-setup.js').then(({ Chart }) => {
      if (cancelled || !canvas.current) return;
      chart = new Chart(canvas.current, {
        type: 'bar',
        data: {
          labels: data.intervals.map((i) => i.label),
          datasets: [
            { label: t('reports.issued'), data: data.intervals.map((i) => i.issued.total), backgroundColor: '#1f6f43' },
            { label: t('reports.redeemed'), data: data.intervals.map((i) => i.deducted.redeemed), backgroundColor: '#8a6100' },
            { label: t('reports.expired'), data: data.intervals.map((i) => i.deducted.expired), backgroundColor: '#a4262c' },
          ],
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, locale: INTL_LOCALE[locale], plugins: { legend: { rtl: dir === 'rtl', position: 'bottom' } }, scales: { x: { reverse: dir === 'rtl' }, y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [data, locale]);
  return (
    <section class="card" aria-labelledby="points-h">
      <div class="item-head">
        <h2 id="points-h">{t('reports.points')}</h2>
        <button type="button" class="button secondary" disabled={csv.busy || !data} onClick={() => void csv.run()}>
          {t('reports.csv')}
        </button>
      </div>
      <div class="row">
        <div class="field">
          <label for="rp-from">{t('common.from')}</label>
          <input id="rp-from" type="date" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="rp-to">{t('common.to')}</label>
          <input id="rp-to" type="date" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="rp-interval">{t('reports.interval')}</label>
          <select id="rp-interval" value={interval} onChange={(e) => setInterval((e.currentTarget as HTMLSelectElement).value as 'day')}>
            {(['day', 'week', 'month'] as const).map((i) => (
              <option key={i} value={i}>
                {t(`reports.interval.${i}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ProblemNotice error={report.error ?? csv.error} />
      {data ? (
        <>
          <p class="small muted">{t('reports.zone', { zone: data.timeZone, versions: data.programVersions.map((v) => v.version).join(', ') })}</p>
          <div class="kpis">
            <div class="kpi">
              <div class="value">{fmt.number(data.totals.issued.total)}</div>
              <div class="label">{t('reports.issued')}</div>
            </div>
            <div class="kpi">
              <div class="value">{fmt.number(data.totals.deducted.redeemed)}</div>
              <div class="label">{t('reports.redeemed')}</div>
            </div>
            <div class="kpi">
              <div class="value">{fmt.number(data.totals.deducted.expired)}</div>
              <div class="label">{t('reports.expired')}</div>
            </div>
            <div class="kpi">
              <div class="value" data-testid="liability">
                {fmt.number(data.totals.closing.available)}
              </div>
              <div class="label">{t('reports.liability')}</div>
            </div>
          </div>
          <div class="chart-box" style={{ marginBlockStart: '1rem' }}>
            <canvas ref={canvas} role="img" aria-label={t('reports.points')} />
          </div>
        </>
      ) : null}
    </section>
  );
}
