import { useEffect, useState } from 'preact/hooks';
import type { Segment, SegmentPreviewView } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/** The live audience count and a sample, re-asked 400 ms after the document stops changing. */
export function AudiencePreview(props: { definition: Segment | null }) {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [state, setState] = useState<{ data?: SegmentPreviewView; error?: unknown }>({});
  const doc = JSON.stringify(props.definition);
  useEffect(() => {
    if (!props.definition) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .post<SegmentPreviewView>('/v1/segments/preview', { definition: props.definition, sampleSize: 10 }, { signal: controller.signal })
        .then((data) => setState({ data }))
        .catch((error: unknown) => {
          if (!controller.signal.aborted) setState({ error });
        });
    }, 400);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [doc]);
  return (
    <section class="card" aria-labelledby="aud-h" aria-live="polite">
      <h2 id="aud-h">{t('segments.audience')}</h2>
      <ProblemNotice error={state.error} />
      {state.data && !state.error ? (
        <>
          <p class="balance" data-testid="audience-count">
            {t('segments.count', { n: fmt.number(state.data.count) })}
          </p>
          <h3>{t('segments.sample')}</h3>
          <ul class="list">
            {state.data.sample.map((m) => (
              <li key={m.id}>
                <bdi>{m.id}</bdi> · {m.tierId} · {m.locale}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
