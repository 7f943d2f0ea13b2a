import { useState } from 'preact/hooks';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { parseCsv } from '../reports/parse-csv.js';
import { reportQuery, type ReportRange } from '../reports/report-range.js';
import { downloadReportCsv } from '../reports/use-report.js';
import { useConsole } from '../session.js';

const SHOWN_ROWS = 200;

/**
 * One report of GET /v1/reports/<name>: choose its CSV table, download it, or open it here — the
 * page shows the CSV the download holds (fetched on opening), so what is seen is what is filed.
 */
export function ReportTableCard(props: { name: string; tables: readonly string[]; range: ReportRange }) {
  const { api } = useConsole();
  const { t, locale } = useI18n();
  const [table, setTable] = useState(props.tables[0]!);
  const [open, setOpen] = useState(false);
  const query = reportQuery(props.range, locale);
  const csv = useLoad(
    (signal) => (open ? api.get<string>(`/v1/reports/${props.name}`, { ...query, format: 'csv', table }, { as: 'text', signal }) : Promise.resolve(undefined)),
    [open, table, JSON.stringify(query)],
  );
  const download = useAction(() => downloadReportCsv(api, props.name, query, table));
  const rows = csv.data ? parseCsv(csv.data) : [];
  const [head, ...body] = rows;
  const id = `report-${props.name}`;
  return (
    <section class="card" aria-labelledby={`${id}-h`} data-testid="report" data-report={props.name}>
      <div class="item-head">
        <h2 id={`${id}-h`}>{t(`reports.name.${props.name}`)}</h2>
        <button type="button" class="button secondary" disabled={download.busy} onClick={() => void download.run()} data-testid="report-csv">
          {t('reports.csv')}
        </button>
      </div>
      <p class="small muted">{t(`reports.about.${props.name}`)}</p>
      {props.tables.length > 1 ? (
        <div class="field">
          <label for={`${id}-table`}>{t('reports.table')}</label>
          <select id={`${id}-table`} value={table} onChange={(e) => setTable((e.currentTarget as HTMLSelectElement).value)}>
            {props.tables.map((name) => (
              <option key={name} value={name}>
                {t(`reports.table.${name}`)}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <ProblemNotice error={download.error} />
      <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>{t('reports.show')}</summary>
        <ProblemNotice error={csv.error} onRetry={csv.reload} />
        {open && csv.loading && !csv.data ? <Loading /> : null}
        {head ? (
          // Wide tables scroll sideways: the region takes focus so the keyboard can scroll it.
          <div class="table-wrap" tabIndex={0} role="region" aria-label={t(`reports.name.${props.name}`)}>
            <table class="report-table" data-testid="report-table" dir="ltr">
              <thead>
                <tr>
                  {head.map((h) => (
                    <th scope="col" key={h}>
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {body.slice(0, SHOWN_ROWS).map((r, i) => (
                  <tr key={i}>
                    {r.map((c, j) => (
                      <td key={j} class={/^-?\d+(\.\d+)?$/.test(c) ? 'num' : undefined}>
                        {c}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {body.length === 0 ? <p class="muted">{t('reports.none')}</p> : null}
            {body.length > SHOWN_ROWS ? <p class="small muted">{t('reports.more', { n: body.length - SHOWN_ROWS })}</p> : null}
          </div>
        ) : null}
      </details>
    </section>
  );
}
