import { useI18n } from '../../shared/i18n/i18n.js';
import type { ReportRange } from './report-range.js';

/**
 * From, to (local days, inclusive) and the interval; every report on the page follows it. The
 * browser's date inputs are Gregorian, so in fa the range is also stated in the Persian calendar.
 * The days are the program's (the zone the reports API reads them in), stated when known.
 */
export function ReportRangePicker(props: { range: ReportRange; onChange(range: ReportRange): void; timeZone?: string; idPrefix?: string }) {
  const { t, fmt, locale } = useI18n();
  const id = props.idPrefix ?? 'rr';
  const set = (patch: Partial<ReportRange>) => props.onChange({ ...props.range, ...patch });
  return (
    <div class="row" role="group" aria-label={t('reports.range')}>
      <div class="field">
        <label for={`${id}-from`}>{t('common.from')}</label>
        <input id={`${id}-from`} type="date" value={props.range.from} max={props.range.to} onChange={(e) => set({ from: (e.currentTarget as HTMLInputElement).value })} />
      </div>
      <div class="field">
        <label for={`${id}-to`}>{t('common.to')}</label>
        <input id={`${id}-to`} type="date" value={props.range.to} min={props.range.from} onChange={(e) => set({ to: (e.currentTarget as HTMLInputElement).value })} />
      </div>
      <div class="field">
        <label for={`${id}-interval`}>{t('reports.interval')}</label>
        <select id={`${id}-interval`} value={props.range.interval} onChange={(e) => set({ interval: (e.currentTarget as HTMLSelectElement).value as ReportRange['interval'] })}>
          {(['day', 'week', 'month'] as const).map((i) => (
            <option key={i} value={i}>
              {t(`reports.interval.${i}`)}
            </option>
          ))}
        </select>
      </div>
      {props.timeZone ? (
        <p class="small muted" data-testid="range-zone">
          {t('reports.rangeZone', { zone: props.timeZone })}
        </p>
      ) : null}
      {locale === 'fa' ? (
        <p class="small muted" data-testid="range-in-calendar">
          {t('reports.rangeIn', { from: fmt.day(props.range.from), to: fmt.day(props.range.to) })}
        </p>
      ) : null}
    </div>
  );
}
