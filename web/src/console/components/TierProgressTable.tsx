import type { MemberSummaryView } from '../../shared/api/types.js';
import { ProgressBar } from '../../shared/components/ProgressBar.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** Every metric toward the next tier: current, required, gap, with a bar. */
export function TierProgressTable(props: { tier: MemberSummaryView['tier'] }) {
  const { t, fmt } = useI18n();
  const tier = props.tier;
  return (
    <>
      {tier.nextTier ? <p>{t('member.next', { tier: fmt.tierName(tier.nextTier) })}</p> : null}
      {tier.toNextTier ? (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('member.metric')}</th>
              <th scope="col" class="num">
                {t('member.current')}
              </th>
              <th scope="col" class="num">
                {t('member.required')}
              </th>
              <th scope="col" class="num">
                {t('member.gap')}
              </th>
              <th scope="col" style={{ width: '30%' }} />
            </tr>
          </thead>
          <tbody>
            {tier.toNextTier.map((g) => (
              <tr key={g.key}>
                <td>{g.label}</td>
                <td class="num">{fmt.number(g.current)}</td>
                <td class="num">{fmt.number(g.required)}</td>
                <td class="num">{fmt.number(g.gap)}</td>
                <td>
                  <ProgressBar value={g.current} max={g.required} label={g.label} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {tier.validUntil ? <p class="muted small">{t('member.validUntil', { date: fmt.date(tier.validUntil) })}</p> : null}
    </>
  );
}
