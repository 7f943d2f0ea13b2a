import type { MemberSummaryView } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';

export function BalanceCard(props: { summary: MemberSummaryView; firstName: string | null }) {
  const { t, fmt } = useI18n();
  const { balance } = props.summary;
  return (
    <section class="card" aria-labelledby="balance-h">
      {props.firstName ? <p class="muted">{t('widget.hello', { name: props.firstName })}</p> : null}
      <h1 id="balance-h" class="small muted" style={{ fontWeight: 600 }}>
        {t('widget.available')}
      </h1>
      <p class="balance" data-testid="balance">
        {fmt.number(balance.available)}
      </p>
      {balance.pending > 0 ? <p class="muted small">{t('widget.pending', { n: fmt.number(balance.pending) })}</p> : null}
      {balance.debt > 0 ? <p class="small">{t('widget.debt', { n: fmt.number(balance.debt) })}</p> : null}
    </section>
  );
}
