import type { Segment } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { CONDITION_OPS, defaultCondition, opOf, type ConditionOp, type ConditionRowState } from './segment-conditions.js';

const COMPARISONS = ['gte', 'gt', 'eq', 'neq', 'lte', 'lt'] as const;
const SYMBOL: Record<string, string> = { gte: '≥', gt: '>', eq: '=', neq: '≠', lte: '≤', lt: '<' };

type Any = Record<string, unknown>;

/** One condition of the builder: its kind, its fields, "not", remove. */
export function ConditionRow(props: { row: ConditionRowState; index: number; tiers: readonly string[]; onChange(row: ConditionRowState): void; onRemove(): void }) {
  const { t, term } = useI18n();
  const { row } = props;
  const op = opOf(row.node);
  const body = (row.node as unknown as Record<string, Any>)[op]!;
  const set = (patch: Any) => props.onChange({ ...row, node: { [op]: { ...body, ...patch } } as unknown as Segment });
  const id = (name: string) => `cond-${row.id}-${name}`;
  const num = (name: string, value: unknown, onValue: (n: number) => void, label: string) => (
    <span class="row">
      <label class="sr-only" for={id(name)}>
        {label}
      </label>
      <input id={id(name)} type="number" step={1} dir="ltr" style={{ width: '9rem' }} value={String(value)} onInput={(e) => onValue(Number((e.currentTarget as HTMLInputElement).value))} />
    </span>
  );
  const comparison = () => (
    <>
      <label class="sr-only" for={id('op')}>
        {t('segments.condition')}
      </label>
      <select id={id('op')} value={String(body.op)} onChange={(e) => set({ op: (e.currentTarget as HTMLSelectElement).value })}>
        {COMPARISONS.map((c) => (
          <option key={c} value={c}>
            {SYMBOL[c]}
          </option>
        ))}
      </select>
      {num('value', body.value, (n) => set({ value: n }), t('segments.value'))}
    </>
  );
  const windowDays = () => {
    const w = body.window as { days?: number };
    return (
      <>
        {num('days', w.days ?? 30, (n) => set({ window: { days: n } }), t('segments.days'))}
        <span>{t('segments.days')}</span>
      </>
    );
  };
  return (
    <div class="condition" data-testid="condition">
      <label class="row" style={{ fontWeight: 400 }}>
        <input type="checkbox" checked={row.negate} onChange={(e) => props.onChange({ ...row, negate: (e.currentTarget as HTMLInputElement).checked })} />
        {t('segments.negate')}
      </label>
      <label class="sr-only" for={id('kind')}>
        {t('segments.condition')} {props.index + 1}
      </label>
      <select id={id('kind')} value={op} onChange={(e) => props.onChange({ ...row, node: defaultCondition((e.currentTarget as HTMLSelectElement).value as ConditionOp) })}>
        {CONDITION_OPS.map((o) => (
          <option key={o} value={o}>
            {t(`segments.op.${o}`)}
          </option>
        ))}
      </select>
      {op === 'tier'
        ? props.tiers.map((tier) => {
            const list = (body.in as string[]) ?? [];
            return (
              <label key={tier} class="row" style={{ fontWeight: 400 }}>
                <input type="checkbox" checked={list.includes(tier)} onChange={(e) => set({ in: (e.currentTarget as HTMLInputElement).checked ? [...list, tier] : list.filter((x) => x !== tier) })} />
                {tier}
              </label>
            );
          })
        : null}
      {op === 'locale'
        ? ['en', 'fa'].map((loc) => {
            const list = (body.in as string[]) ?? [];
            return (
              <label key={loc} class="row" style={{ fontWeight: 400 }}>
                <input type="checkbox" checked={list.includes(loc)} onChange={(e) => set({ in: (e.currentTarget as HTMLInputElement).checked ? [...list, loc] : list.filter((x) => x !== loc) })} />
                {loc}
              </label>
            );
          })
        : null}
      {op === 'balance' ? comparison() : null}
      {op === 'qualifyingPoints' || op === 'spend' ? (
        <>
          {comparison()}
          {windowDays()}
        </>
      ) : null}
      {op === 'eventCount' ? (
        <>
          <label class="sr-only" for={id('type')}>
            {t('segments.eventType')}
          </label>
          <input id={id('type')} dir="ltr" style={{ width: '8rem' }} value={String(body.type)} onInput={(e) => set({ type: (e.currentTarget as HTMLInputElement).value })} />
          {comparison()}
          {windowDays()}
        </>
      ) : null}
      {op === 'lastActivity' ? (
        <>
          <label class="sr-only" for={id('la')}>
            {t('segments.op.lastActivity')}
          </label>
          <select id={id('la')} value={String(body.op)} onChange={(e) => set({ op: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="within">{t('segments.within')}</option>
            <option value="not_within">{t('segments.notWithin')}</option>
          </select>
          {num('ladays', body.days, (n) => set({ days: n }), t('segments.days'))}
          <span>{t('segments.days')}</span>
        </>
      ) : null}
      {op === 'attribute' ? (
        <>
          <label class="sr-only" for={id('key')}>
            {t('segments.key')}
          </label>
          <input id={id('key')} dir="ltr" placeholder={t('segments.key')} style={{ width: '8rem' }} value={String(body.key)} onInput={(e) => set({ key: (e.currentTarget as HTMLInputElement).value })} />
          <label class="sr-only" for={id('aop')}>
            {t('segments.condition')}
          </label>
          <select id={id('aop')} value={String(body.op)} onChange={(e) => set({ op: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="eq">=</option>
            <option value="neq">≠</option>
          </select>
          <label class="sr-only" for={id('aval')}>
            {t('segments.value')}
          </label>
          <input id={id('aval')} dir="ltr" style={{ width: '10rem' }} value={String(body.value ?? '')} onInput={(e) => set({ value: (e.currentTarget as HTMLInputElement).value })} />
        </>
      ) : null}
      {op === 'consent' ? (
        <>
          <label class="sr-only" for={id('ch')}>
            {t('campaigns.channel')}
          </label>
          <select id={id('ch')} value={String(body.channel)} onChange={(e) => set({ channel: (e.currentTarget as HTMLSelectElement).value })}>
            {(['email', 'sms', 'inbox'] as const).map((c) => (
              <option key={c} value={c}>
                {term('channel', c)}
              </option>
            ))}
          </select>
          <label class="sr-only" for={id('kindc')}>
            {t('segments.op.consent')}
          </label>
          <select id={id('kindc')} value={String(body.kind)} onChange={(e) => set({ kind: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="marketing">{term('kind', 'marketing')}</option>
            <option value="transactional">{term('kind', 'transactional')}</option>
          </select>
          <label class="sr-only" for={id('gr')}>
            {t('segments.granted')}
          </label>
          <select id={id('gr')} value={String(body.granted)} onChange={(e) => set({ granted: (e.currentTarget as HTMLSelectElement).value === 'true' })}>
            <option value="true">{t('segments.granted')}</option>
            <option value="false">{t('segments.notGranted')}</option>
          </select>
        </>
      ) : null}
      <span class="spacer" style={{ flex: 1 }} />
      <button type="button" class="button link" onClick={props.onRemove}>
        {t('segments.remove')}
      </button>
    </div>
  );
}
