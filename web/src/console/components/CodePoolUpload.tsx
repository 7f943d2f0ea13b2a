import { useState } from 'preact/hooks';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/**
 * A coupon_code reward's pool: a CSV file (or pasted codes, one a line) sent as text/csv to
 * POST /v1/rewards/:id/codes; codes already in the pool are skipped; a malformed file adds nothing.
 */
export function CodePoolUpload(props: { rewardId: string; onDone(): void }) {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [text, setText] = useState('');
  const id = `codes-${props.rewardId}`;
  const upload = useAction(async () => {
    const result = await api.post<{ added: number; skipped: number; available: number | null }>(`/v1/rewards/${encodeURIComponent(props.rewardId)}/codes`, text, { headers: { 'content-type': 'text/csv' } });
    setText('');
    props.onDone();
    return result;
  });
  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void upload.run();
      }}
    >
      <div class="field">
        <label for={`${id}-file`}>{t('rewards.codes.file')}</label>
        <input id={`${id}-file`} type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void (e.currentTarget as HTMLInputElement).files?.[0]?.text().then(setText)} />
      </div>
      <div class="field">
        <label for={`${id}-text`}>{t('rewards.codes.paste')}</label>
        <textarea id={`${id}-text`} dir="ltr" rows={3} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
      </div>
      <div>
        <button type="submit" class="button secondary" disabled={upload.busy || !text.trim()}>
          {t('rewards.codes.upload')}
        </button>
      </div>
      <ProblemNotice error={upload.error} />
      {upload.result ? (
        <p class="notice-ok" role="status" data-testid="codes-result">
          {t('rewards.codes.done', { added: fmt.number(upload.result.added), skipped: fmt.number(upload.result.skipped), available: upload.result.available === null ? '∞' : fmt.number(upload.result.available) })}
        </p>
      ) : null}
    </form>
  );
}
