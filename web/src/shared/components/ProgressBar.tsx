/** An accessible progress bar (role=progressbar with its numbers); fills from the reading start side. */
export function ProgressBar(props: { value: number; max: number; label: string; valueText?: string }) {
  const max = Math.max(1, props.max);
  const value = Math.min(Math.max(0, props.value), max);
  const percent = Math.round((value / max) * 100);
  return (
    <div class="progress" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-valuetext={props.valueText}>
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}
