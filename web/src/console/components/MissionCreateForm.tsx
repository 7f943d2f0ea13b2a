import { useState } from 'preact/hooks';
import type { MissionInput } from '../../../../src/journeys/missions/definition.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { EligibilityFields, EVERYONE, eligibilityOf, type EligibilityChoice } from './EligibilityFields.js';
import { IdentityFields } from './IdentityFields.js';
import { TextField } from './TextField.js';

type GoalType = MissionInput['goal']['type'];
type PeriodChoice = 'calendar_month' | 'days' | 'day' | 'week';

/**
 * POST /v1/missions: a mission's trigger event, goal (count, sum of a field, or a streak), period,
 * recurrence, enrollment, reward and audience (tiers, a saved segment). A streak goal takes a streak period (days or weeks); the
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
  const [audience, setAudience] = useState<{ choice: EligibilityChoice; allTiers: number }>({ choice: EVERYONE, allTiers: 0 });
  const streak = goal === 'streak';
  const periods: PeriodChoice[] = streak ? ['day', 'week'] : ['calendar_month', 'days'];
  const chosenPeriod = periods.includes(period) ? period : periods[0]!;

  const create = useAction(async () => {
    const { predicate, segment } = eligibilityOf(audience.choice, audience.allTiers);
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
      ...(predicate ? { audience: predicate } : {}),
      ...(segment ? { segment } : {}),
      ...(starts ? { startsAt: new Date(starts).toISOString() } : {}),
      ...(ends ? { endsAt: new Date(ends).toISOString() } : {}),
    };
    await api.post('/v1/missions', body);
    props.onCreated(id);
  });
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
        <IdentityFields prefix="m" descriptionLabel={t('missions.description')} id={id} name={name} description={description} onId={setId} onName={setName} onDescription={setDescription} />
        <div class="row">
          <TextField id="m-trigger" label={t('missions.trigger')} dir="ltr" required value={trigger} onValue={setTrigger} />
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
          <TextField id="m-target" label={t('missions.target')} type="number" min={streak ? 2 : 1} dir="ltr" required value={target} onValue={setTarget} />
          {goal === 'sum' ? (
            <TextField id="m-field" label={t('missions.field')} dir="ltr" required value={field} onValue={setField} />
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
            <TextField id="m-days" label={t('missions.days')} type="number" min={1} dir="ltr" required value={days} onValue={setDays} />
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
          <TextField id="m-points" label={t('missions.rewardPoints')} type="number" min={1} dir="ltr" required value={rewardPoints} onValue={setRewardPoints} />
          <TextField id="m-starts" label={t('missions.startsAt')} type="datetime-local" value={starts} onValue={setStarts} />
          <TextField id="m-ends" label={t('missions.endsAt')} type="datetime-local" value={ends} onValue={setEnds} />
        </div>
        <EligibilityFields prefix="m" value={audience.choice} onChange={(choice, allTiers) => setAudience({ choice, allTiers })} />
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
