import { useState } from 'preact/hooks';
import type { MissionInput } from '../../../../src/journeys/missions/definition.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

type GoalType = MissionInput['goal']['type'];
type PeriodChoice = 'calendar_month' | 'days' | 'day' | 'week';

/**
 * POST /v1/missions: a mission's trigger event, goal (count, sum of a field, or a streak), period,
 * recurrence, enrollment and reward. A streak goal takes a streak period (days or weeks); the
 * others a calendar month or a fixed number of days from enrollment. The API checks the rest.
 */
export function MissionCreateForm(props: { onCreated(id: string): void }) {
  const { api } = useConsole();
  const { t } = useI18n();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [trigger, setTrigger] = useState('purchase');
  const [goal, setGoal] = useState<GoalType>('count');
  const [target, setTarget] = useState('3');
  const [field, setField] = useState('event.amount');
  const [period, setPeriod] = useState<PeriodChoice>('calendar_month');
  const [days, setDays] = useState('30');
  const [recurrence, setRecurrence] = useState<'recurring' | 'once'>('recurring');
  const [enrollment, setEnrollment] = useState<'auto' | 'opt_in'>('auto');
  const [rewardPoints, setRewardPoints] = useState('500');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState('');
  const streak = goal === 'streak';
  const periods: PeriodChoice[] = streak ? ['day', 'week'] : ['calendar_month', 'days'];
  const chosenPeriod = periods.includes(period) ? period : periods[0]!;

  const create = useAction(async () => {
    const body: MissionInput = {
      id,
      name,
      ...(description ? { description } : {}),
      trigger,
      goal: goal === 'sum' ? { type: 'sum', target: Number(target), field } : { type: goal, target: Number(target) },
      period:
        chosenPeriod === 'calendar_month'
          ? { type: 'calendar_month' }
          : chosenPeriod === 'days'
            ? { type: 'from_enrollment', days: Number(days) }
            : { type: 'streak', unit: chosenPeriod },
      recurrence,
      enrollment,
      rewardPoints: Number(rewardPoints),
      ...(starts ? { startsAt: new Date(starts).toISOString() } : {}),
      ...(ends ? { endsAt: new Date(ends).toISOString() } : {}),
    };
    await api.post('/v1/missions', body);
    props.onCreated(id);
  });
  const input = (set: (v: string) => void) => (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  return (
    <section class="card" aria-labelledby="mission-new-h">
      <h2 id="mission-new-h">{t('missions.new')}</h2>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <div class="row">
          <div class="field">
            <label for="m-id">{t('common.id')}</label>
            <input id="m-id" dir="ltr" required value={id} onInput={input(setId)} />
          </div>
          <div class="field" style={{ flex: 1 }}>
            <label for="m-name">{t('common.name')}</label>
            <input id="m-name" required style={{ width: '100%' }} value={name} onInput={input(setName)} />
          </div>
        </div>
        <div class="field">
          <label for="m-desc">{t('missions.description')}</label>
          <textarea id="m-desc" rows={2} value={description} onInput={input(setDescription)} />
        </div>
        <div class="row">
          <div class="field">
            <label for="m-trigger">{t('missions.trigger')}</label>
            <input id="m-trigger" dir="ltr" required value={trigger} onInput={input(setTrigger)} />
          </div>
          <div class="field">
            <label for="m-goal">{t('missions.goal')}</label>
            <select id="m-goal" value={goal} onChange={(e) => setGoal((e.currentTarget as HTMLSelectElement).value as GoalType)}>
              {(['count', 'sum', 'streak'] as const).map((g) => (
                <option key={g} value={g}>
                  {t(`missions.goal.${g}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="m-target">{t('missions.target')}</label>
            <input id="m-target" type="number" min={streak ? 2 : 1} dir="ltr" required value={target} onInput={input(setTarget)} />
          </div>
          {goal === 'sum' ? (
            <div class="field">
              <label for="m-field">{t('missions.field')}</label>
              <input id="m-field" dir="ltr" required value={field} onInput={input(setField)} />
            </div>
          ) : null}
        </div>
        <div class="row">
          <div class="field">
            <label for="m-period">{t('missions.period')}</label>
            <select id="m-period" value={chosenPeriod} onChange={(e) => setPeriod((e.currentTarget as HTMLSelectElement).value as PeriodChoice)}>
              {periods.map((p) => (
                <option key={p} value={p}>
                  {t(`missions.period.${p}`)}
                </option>
              ))}
            </select>
          </div>
          {chosenPeriod === 'days' ? (
            <div class="field">
              <label for="m-days">{t('missions.days')}</label>
              <input id="m-days" type="number" min={1} dir="ltr" required value={days} onInput={input(setDays)} />
            </div>
          ) : null}
          <div class="field">
            <label for="m-recurrence">{t('missions.recurrence')}</label>
            <select id="m-recurrence" value={recurrence} onChange={(e) => setRecurrence((e.currentTarget as HTMLSelectElement).value as 'recurring' | 'once')}>
              <option value="recurring">{t('missions.recurrence.recurring')}</option>
              <option value="once">{t('missions.recurrence.once')}</option>
            </select>
          </div>
          <div class="field">
            <label for="m-enrollment">{t('missions.enrollment')}</label>
            <select id="m-enrollment" value={enrollment} onChange={(e) => setEnrollment((e.currentTarget as HTMLSelectElement).value as 'auto' | 'opt_in')}>
              <option value="auto">{t('missions.enrollment.auto')}</option>
              <option value="opt_in">{t('missions.enrollment.opt_in')}</option>
            </select>
          </div>
        </div>
        <div class="row">
          <div class="field">
            <label for="m-points">{t('missions.rewardPoints')}</label>
            <input id="m-points" type="number" min={1} dir="ltr" required value={rewardPoints} onInput={input(setRewardPoints)} />
          </div>
          <div class="field">
            <label for="m-starts">{t('missions.startsAt')}</label>
            <input id="m-starts" type="datetime-local" value={starts} onInput={input(setStarts)} />
          </div>
          <div class="field">
            <label for="m-ends">{t('missions.endsAt')}</label>
            <input id="m-ends" type="datetime-local" value={ends} onInput={input(setEnds)} />
          </div>
        </div>
        <div>
          <button type="submit" class="button" disabled={create.busy}>
            {t('missions.create')}
          </button>
        </div>
      </form>
      <ProblemNotice error={create.error} />
    </section>
  );
}
