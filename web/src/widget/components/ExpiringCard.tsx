import type { MemberSummaryView } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';

export function ExpiringCard(props: { expiring: MemberSummaryView['expiring'] }) {
  const { t, fmt } = useI18n();
  return (
    <section class="card" aria-labelledby="expiring-h">
      <h2 id="expiring-h">{t('widget.expiring')}</h2>
      {props.expiring.byDate.length === 0 ? (
        <p class="muted">{t('widget.expiring.none')}</p>
      ) : (
        <ul class="list">
          {props.expiring.byDate.map((d) => (
            <li key={d.date}>{t('widget.expiring.row', { n: fmt.number(d.points), date: fmt.day(d.date) })}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
