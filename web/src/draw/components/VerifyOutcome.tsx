import { useI18n } from '../../shared/i18n/i18n.js';
import type { BrowserVerifyResult } from '../verify/verify-draw.js';

/** OK with what was checked, or the first mismatch with its stable code. */
export function VerifyOutcome(props: { result: BrowserVerifyResult }) {
  const { t, fmt } = useI18n();
  const r = props.result;
  if (r.ok) {
    return (
      <div class="notice-ok verify-result" role="status" data-testid="verify-result" data-ok="true">
        <strong>{t('draw.verify.ok')}</strong>
        {t('draw.verify.okDetail', { n: fmt.number(r.summary.n), t: fmt.number(r.summary.t), counters: fmt.number(r.summary.countersUsed), winners: fmt.number(r.summary.winners.length) })}
      </div>
    );
  }
  return (
    <div class="problem verify-result" role="alert" data-testid="verify-result" data-ok="false" data-code={r.code}>
      <strong>{t('draw.verify.failed')}</strong>
      <p>
        {t('draw.verify.firstMismatch', { code: r.code })} <bdi dir="ltr">{r.message}</bdi>
      </p>
      <p class="small">{t(`draw.phase.${r.phase}`)}</p>
    </div>
  );
}
