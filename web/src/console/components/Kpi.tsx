import { useI18n } from '../../shared/i18n/i18n.js';

/** One headline figure with its label. */
export function Kpi(props: { value: number | string; label: string; testId?: string }) {
  const { fmt } = useI18n();
  return (
    <div class="kpi">
      <div class="value" data-testid={props.testId}>
        {typeof props.value === 'number' ? fmt.number(props.value) : props.value}
      </div>
      <div class="label">{props.label}</div>
    </div>
  );
}
