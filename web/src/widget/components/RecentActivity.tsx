import type { MemberSummaryView } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';

export function RecentActivity(props: { entries: MemberSummaryView['recentEntries'] }) {
  const { t, fmt, has } = useI18n();
  if (props.entries.length === 0) return null;
  return (
    <section class="card" aria-labelledby="recent-h">
      <h2 id="recent-h">{t('widget.recent')}</h2>
      <ul class="list">
        {props.entries.map((e) => (
          <li key={e.seq} class="item-head">
            <span>
              {has(`widget.entry.${e.kind}`) ? t(`widget.entry.${e.kind}`) : e.kind}
              <span class="muted small"> · {fmt.date(e.at)}</span>
            </span>
            <strong dir="ltr">{`${e.amount > 0 ? '+' : ''}${fmt.number(e.amount)}`}</strong>
          </li>
        ))}
      </ul>
    </section>
  );
}
