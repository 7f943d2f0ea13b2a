import { useState } from 'preact/hooks';
import { useI18n } from '../../shared/i18n/i18n.js';

/** An auditor's own downloaded copies: draw.json and leaves.ndjson, read locally (nothing is uploaded). */
export function OwnFilesForm(props: { busy: boolean; onVerify(files: { record: unknown; leaves: Uint8Array }): void }) {
  const { t } = useI18n();
  const [record, setRecord] = useState<File | null>(null);
  const [leaves, setLeaves] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <details class="stack">
      <summary>{t('draw.verify.ownFiles')}</summary>
      <form
        class="files"
        onSubmit={(e) => {
          e.preventDefault();
          if (!record || !leaves) return;
          setProblem(null);
          void Promise.all([record.text(), leaves.arrayBuffer()]).then(([text, bytes]) => {
            try {
              props.onVerify({ record: JSON.parse(text) as unknown, leaves: new Uint8Array(bytes) });
            } catch {
              setProblem(t('draw.proof.notJson'));
            }
          });
        }}
      >
        <div class="field">
          <label for="own-record">{t('draw.verify.recordFile')}</label>
          <input id="own-record" type="file" accept=".json,application/json" onChange={(e) => setRecord((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        </div>
        <div class="field">
          <label for="own-leaves">{t('draw.verify.leavesFile')}</label>
          <input id="own-leaves" type="file" accept=".ndjson,.txt,application/x-ndjson" onChange={(e) => setLeaves((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        </div>
        <div class="field">
          <button type="submit" class="button secondary" disabled={props.busy || !record || !leaves}>
            {t('draw.verify.runOwn')}
          </button>
        </div>
      </form>
      {problem ? (
        <p class="problem" role="alert">
          {problem}
        </p>
      ) : null}
    </details>
  );
}
