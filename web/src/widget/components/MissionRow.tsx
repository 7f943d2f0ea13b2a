import type { MissionItem } from '../../shared/api/types.js';
import { ProgressBar } from '../../shared/components/ProgressBar.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** One mission: progress bar and what is left, or a join button for an opt-in mission. */
export function MissionRow(props: { mission: MissionItem; busy: boolean; onJoin(): void }) {
  const { t, fmt } = useI18n();
  const m = props.mission;
  const current = m.current;
  return (
    <li data-testid="mission">
      <div class="item-head">
        <strong>{m.name}</strong>
        <span class="badge">{t('widget.missions.reward', { n: fmt.number(m.rewardPoints) })}</span>
      </div>
      {m.description ? <p class="small muted">{m.description}</p> : null}
      {current ? (
        <div class="stack">
          <ProgressBar value={current.progress} max={current.target} label={m.name} valueText={t('widget.missions.progress', { progress: fmt.number(current.progress), target: fmt.number(current.target) })} />
          <p class="small">
            {current.status === 'completed' ? t('widget.missions.completed') : `${t('widget.missions.progress', { progress: fmt.number(current.progress), target: fmt.number(current.target) })} · ${t('widget.missions.remaining', { n: fmt.number(current.remaining) })}`}
            {/* A running streak has no end date: it lasts while the member keeps it up. */}
            {m.goal.type === 'streak' ? null : <span class="muted"> · {t('widget.missions.ends', { date: fmt.date(current.endsAt) })}</span>}
          </p>
        </div>
      ) : m.enrollment === 'opt_in' ? (
        <button type="button" class="button secondary" disabled={props.busy} onClick={props.onJoin}>
          {t('widget.missions.join')}
        </button>
      ) : null}
    </li>
  );
}
