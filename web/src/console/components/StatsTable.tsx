import type { CampaignStatsView } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';

const COLUMNS = ['audience', 'sent', 'capped', 'suppressed', 'converted'] as const;

/** Per variant and holdout: the counts, conversion and lift over the holdout. */
export function StatsTable(props: { stats: CampaignStatsView }) {
  const { t, fmt } = useI18n();
  const s = props.stats;
  return (
    <div class="table-wrap">
      <table data-testid="stats-table">
        <thead>
          <tr>
            <th scope="col" />
            {COLUMNS.map((c) => (
              <th scope="col" class="num" key={c}>
                {t(`campaigns.stat.${c}`)}
              </th>
            ))}
            <th scope="col" class="num">
              {t('campaigns.stat.rate')}
            </th>
            <th scope="col" class="num">
              {t('campaigns.stat.lift')}
            </th>
            <th scope="col" class="num">
              {t('campaigns.stat.grants')}
            </th>
            <th scope="col" class="num">
              {t('campaigns.stat.offerUses')}
            </th>
          </tr>
        </thead>
        <tbody>
          {s.variants.map((v) => (
            <tr key={v.variant} data-testid="stats-row" data-variant={v.variant}>
              <th scope="row">{t('campaigns.variant', { key: v.variant })}</th>
              {COLUMNS.map((c) => (
                <td class="num" key={c} data-stat={c}>
                  {fmt.number(v[c])}
                </td>
              ))}
              <td class="num">{fmt.percent(v.converted, v.audience)}</td>
              <td class="num">{v.liftPoints === null ? '—' : `${fmt.number(v.liftPoints)} pp`}</td>
              <td class="num" data-stat="grants">
                {fmt.number(v.offer.grants)}
              </td>
              <td class="num">{fmt.number(v.offer.uses)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">{t('campaigns.holdout')}</th>
            <td class="num">{fmt.number(s.holdout.audience)}</td>
            <td class="num">—</td>
            <td class="num">—</td>
            <td class="num">—</td>
            <td class="num">{fmt.number(s.holdout.converted)}</td>
            <td class="num">{fmt.percent(s.holdout.converted, s.holdout.audience)}</td>
            <td class="num">—</td>
            <td class="num">—</td>
            <td class="num">—</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
