import type { PublicDraw } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';

export function StatusBadge(props: { status: PublicDraw['status'] }) {
  const { t } = useI18n();
  const tone = props.status === 'void' ? 'danger' : props.status === 'open' || props.status === 'frozen' ? 'warn' : '';
  return (
    <span class={`badge ${tone}`} data-status={props.status}>
      {t(`draw.status.${props.status}`)}
    </span>
  );
}
