import { useI18n } from '../../shared/i18n/i18n.js';

const TONE: Record<string, string> = { running: '', completed: 'neutral', cancelled: 'danger', paused: 'warn', draft: 'neutral', scheduled: 'warn' };

export function StatusBadge(props: { status: string }) {
  const { t, has } = useI18n();
  return (
    <span class={`badge ${TONE[props.status] ?? ''}`} data-status={props.status}>
      {has(`campaigns.status.${props.status}`) ? t(`campaigns.status.${props.status}`) : props.status}
    </span>
  );
}
