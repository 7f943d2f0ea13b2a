import { useMemo, useState } from 'preact/hooks';
import { idempotencyKey } from '../../shared/api/client.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** Admin: a manual adjustment with a reason (audit logged); one idempotency key per filled form. */
export function AdjustmentForm(props: { memberId: string; onDone(): void }) {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [round, setRound] = useState(0);
  const key = useMemo(() => idempotencyKey('console-adjust'), [round]);
  const adjust = useAction(async () => {
    const result = await api.post<{ points: number; balance: { available: number } }>(`/v1/members/${encodeURIComponent(props.memberId)}/adjustments`, { points: Number(points), reason, idempotencyKey: key });
    setPoints('');
    setReason('');
    setRound((r) => r + 1);
    props.onDone();
    return result;
  });
  return (
    <section class="card" aria-labelledby="adj-h">
      <h2 id="adj-h">
        {t('member.adjust')} <span class="badge neutral">{t('common.adminOnly')}</span>
      </h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void adjust.run();
        }}
      >
        <div class="field">
          <label for="adj-points">{t('member.adjust.points')}</label>
          <input id="adj-points" type="number" step={1} dir="ltr" value={points} onInput={(e) => setPoints((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field" style={{ flex: 1 }}>
          <label for="adj-reason">{t('member.adjust.reason')}</label>
          <input id="adj-reason" type="text" style={{ width: '100%' }} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button" disabled={adjust.busy}>
          {t('member.adjust.submit')}
        </button>
      </form>
      <ProblemNotice error={adjust.error} />
      {adjust.result ? (
        <p class="notice-ok" role="status">
          {t('member.adjust.done', { n: fmt.number(adjust.result.points), balance: fmt.number(adjust.result.balance.available) })}
        </p>
      ) : null}
    </section>
  );
}
