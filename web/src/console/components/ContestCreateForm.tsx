import { useState } from 'preact/hooks';
import type { ContestInput } from '../../../../src/journeys/contests/definition.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { EligibilityFields, EVERYONE, eligibilityOf, type EligibilityChoice } from './EligibilityFields.js';
import { IdentityFields } from './IdentityFields.js';
import { TextField } from './TextField.js';

type MetricType = ContestInput['metric']['type'];
interface PrizeRow {
  rank: string;
  name: string;
  points: string;
}

const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/**
 * POST /v1/contests: a leaderboard over a window (points earned, purchases, or the sum of a field of
 * a custom event), prizes by rank within a points budget (the budget starts as the prizes' sum and
 * follows it until the marketer changes it), leaders named in the result message, and the grace for
 * late events, and who may take part (tiers, a saved segment). The API checks the rest (ranks once each, prizes within the budget, end after start).
 */
export function ContestCreateForm(props: { onCreated(id: string): void }) {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const now = new Date();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [starts, setStarts] = useState(localInput(now));
  const [ends, setEnds] = useState(localInput(new Date(now.getTime() + 7 * 86_400_000)));
  const [metric, setMetric] = useState<MetricType>('points_earned');
  const [eventType, setEventType] = useState('');
  const [field, setField] = useState('event.amount');
  const [prizes, setPrizes] = useState<PrizeRow[]>([{ rank: '1', name: '', points: '1000' }]);
  const [budget, setBudget] = useState<string | null>(null);
  const [leadersShown, setLeadersShown] = useState('3');
  const [grace, setGrace] = useState('60');
  const [eligibility, setEligibility] = useState<{ choice: EligibilityChoice; allTiers: number }>({ choice: EVERYONE, allTiers: 0 });
  const prizeSum = prizes.reduce((s, p) => s + (Number(p.points) || 0), 0);

  const create = useAction(async () => {
    const { predicate, segment } = eligibilityOf(eligibility.choice, eligibility.allTiers);
    const body: ContestInput = {
      id,
      name,
      ...(description ? { description } : {}),
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(ends).toISOString(),
      metric: metric === 'event_sum' ? { type: metric, eventType, field } : { type: metric },
      ...(predicate ? { eligibility: predicate } : {}),
      ...(segment ? { segment } : {}),
      prizes: prizes.map((p) => ({ rank: Number(p.rank), name: p.name, points: Number(p.points) })),
      prizeBudget: Number(budget ?? prizeSum),
      leadersShown: Number(leadersShown),
      lateEventGraceSeconds: Number(grace),
    };
    await api.post('/v1/contests', body);
    props.onCreated(id);
  });
  const setPrize = (i: number, patch: Partial<PrizeRow>) => setPrizes(prizes.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <section class="card" aria-labelledby="contest-new-h">
      <h2 id="contest-new-h">{t('contests.new')}</h2>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <IdentityFields prefix="c" descriptionLabel={t('contests.description')} id={id} name={name} description={description} onId={setId} onName={setName} onDescription={setDescription} />
        <div class="row">
          <TextField id="c-starts" label={t('contests.startsAt')} type="datetime-local" required value={starts} onValue={setStarts} />
          <TextField id="c-ends" label={t('contests.endsAt')} type="datetime-local" required value={ends} onValue={setEnds} />
        </div>
        <div class="row">
          <div class="field">
            <label for="c-metric">{t('contests.metric')}</label>
            <select id="c-metric" value={metric} onChange={(e) => setMetric((e.currentTarget as HTMLSelectElement).value as MetricType)}>
              {(['points_earned', 'purchase_count', 'event_sum'] as const).map((m) => (
                <option key={m} value={m}>
                  {t(`contests.metric.${m}`)}
                </option>
              ))}
            </select>
          </div>
          {metric === 'event_sum' ? (
            <>
              <TextField id="c-event" label={t('contests.eventType')} dir="ltr" required value={eventType} onValue={setEventType} />
              <TextField id="c-field" label={t('contests.field')} dir="ltr" required value={field} onValue={setField} />
            </>
          ) : null}
        </div>
        <EligibilityFields prefix="c" value={eligibility.choice} onChange={(choice, allTiers) => setEligibility({ choice, allTiers })} />
        <fieldset>
          <legend>{t('contests.prizes')}</legend>
          {prizes.map((p, i) => (
            <div class="row" key={i} data-testid="contest-prize-row">
              <TextField id={`cp-${i}-rank`} label={t('contests.rank')} type="number" min={1} dir="ltr" required value={p.rank} onValue={(v) => setPrize(i, { rank: v })} />
              <TextField id={`cp-${i}-name`} label={t('common.name')} required value={p.name} onValue={(v) => setPrize(i, { name: v })} />
              <TextField id={`cp-${i}-points`} label={t('contests.prizePoints')} type="number" min={1} dir="ltr" required value={p.points} onValue={(v) => setPrize(i, { points: v })} />
              <button type="button" class="button secondary" onClick={() => setPrizes(prizes.filter((_, j) => j !== i))}>
                {t('contests.removePrize')}
              </button>
            </div>
          ))}
          <div class="row">
            <button
              type="button"
              class="button secondary"
              onClick={() => setPrizes([...prizes, { rank: String(Math.max(0, ...prizes.map((p) => Number(p.rank) || 0)) + 1), name: '', points: '100' }])}
            >
              {t('contests.addPrize')}
            </button>
            <TextField id="c-budget" label={t('contests.prizeBudget')} type="number" min={0} dir="ltr" required value={budget ?? String(prizeSum)} onValue={(v) => setBudget(v)} />
          </div>
          <p class="small muted" data-testid="contest-prize-sum">
            {t('contests.prizeSum', { points: fmt.number(prizeSum) })}
          </p>
        </fieldset>
        <div class="row">
          <TextField id="c-leaders" label={t('contests.leadersShown')} type="number" min={0} max={20} dir="ltr" value={leadersShown} onValue={setLeadersShown} />
          <TextField id="c-grace" label={t('contests.lateGrace')} type="number" min={0} max={86400} dir="ltr" value={grace} onValue={setGrace} />
        </div>
        <div>
          <button type="submit" class="button" disabled={create.busy}>
            {t('contests.create')}
          </button>
        </div>
      </form>
      <ProblemNotice error={create.error} />
    </section>
  );
}
