import { useState } from 'preact/hooks';
import type { PublicDraw } from '../../shared/api/types.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import type { MemberProofCheck } from '../verify/member-proof.js';

/** A member pastes their inclusion proof; the page checks it against the committed root. */
export function MemberProofSection(props: { draw: PublicDraw }) {
  const { t, fmt } = useI18n();
  const [text, setText] = useState('');
  const [result, setResult] = useState<MemberProofCheck | { ok: false; code: 'not_json'; message: string } | null>(null);
  const commit = props.draw.commit;
  async function check() {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      setResult({ ok: false, code: 'not_json', message: t('draw.proof.notJson') });
      return;
    }
    const { checkMemberProof } = await import('../verify/member-proof.js');
    setResult(await checkMemberProof(json, commit!));
  }
  return (
    <section class="card" aria-labelledby="proof-h">
      <h2 id="proof-h">{t('draw.proof')}</h2>
      <p>{t('draw.proof.intro')}</p>
      {!commit ? (
        <p class="muted">{t('draw.proof.noCommit')}</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void check();
          }}
        >
          <div class="field">
            <label for="proof-json">{t('draw.proof.label')}</label>
            <textarea id="proof-json" rows={6} dir="ltr" value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </div>
          <button type="submit" class="button secondary" disabled={text.trim() === ''} data-testid="check-proof">
            {t('draw.proof.check')}
          </button>
        </form>
      )}
      {result?.ok ? (
        <div class="notice-ok" role="status" data-testid="proof-result" data-ok="true">
          {t('draw.proof.ok', { pid: `${result.proof.pid.slice(0, 12)}…`, w: fmt.number(result.proof.w), start: fmt.number(result.proof.start) })}
        </div>
      ) : null}
      {result && !result.ok ? (
        <div class="problem" role="alert" data-testid="proof-result" data-ok="false" data-code={result.code}>
          <strong>{t('draw.proof.failed')}</strong>
          <p>
            <bdi dir="ltr">{result.message}</bdi>
          </p>
        </div>
      ) : null}
    </section>
  );
}
