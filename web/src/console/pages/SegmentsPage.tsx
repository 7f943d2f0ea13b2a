import { useState } from 'preact/hooks';
import type { ProgramView, Segment, SegmentView } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { AudiencePreview } from '../components/AudiencePreview.js';
import { ConditionRow } from '../components/ConditionRow.js';
import { defaultCondition, documentOf, opOf, type ConditionRowState } from '../components/segment-conditions.js';
import { useConsole } from '../session.js';

let nextRowId = 1;

/** Loads a saved all/any document of plain conditions into rows; anything deeper stays JSON-only. */
function rowsOf(def: Segment): { match: 'all' | 'any'; rows: ConditionRowState[] } | null {
  const group = 'all' in def ? { match: 'all' as const, nodes: def.all } : 'any' in def ? { match: 'any' as const, nodes: def.any } : { match: 'all' as const, nodes: [def] };
  const rows: ConditionRowState[] = [];
  for (const n of group.nodes) {
    const negate = 'not' in n;
    const node = negate ? (n as { not: Segment }).not : n;
    if ('all' in node || 'any' in node || 'not' in node) return null;
    rows.push({ id: nextRowId++, negate, node });
  }
  return { match: group.match, rows };
}

/** The segment builder over the DSL, with the live audience count, JSON view and saved segments. */
export function SegmentsPage() {
  const { api } = useConsole();
  const { t } = useI18n();
  const program = useLoad((signal) => api.get<ProgramView>('/v1/program', undefined, { signal }), []);
  const saved = useLoad((signal) => api.get<{ items: SegmentView[] }>('/v1/segments', undefined, { signal }), []);
  const [match, setMatch] = useState<'all' | 'any'>('all');
  const [rows, setRows] = useState<ConditionRowState[]>([{ id: nextRowId++, negate: false, node: defaultCondition('tier') }]);
  const [json, setJson] = useState<string | null>(null);
  const [segmentId, setSegmentId] = useState('');
  const [name, setName] = useState('');
  const tiers = program.data?.definition.tiers.map((x) => x.id) ?? ['bronze', 'silver', 'gold', 'diamond'];
  const built = documentOf(match, rows);
  let definition: Segment | null = built;
  let jsonError: string | null = null;
  if (json !== null) {
    try {
      definition = JSON.parse(json) as Segment;
    } catch (err) {
      definition = null;
      jsonError = (err as Error).message;
    }
  }
  const save = useAction(async () => {
    const res = await api.put<SegmentView>(`/v1/segments/${encodeURIComponent(segmentId)}`, { name, definition });
    saved.reload();
    return res;
  });
  const load = (s: SegmentView) => {
    setSegmentId(s.id);
    setName(s.name);
    const loaded = rowsOf(s.definition);
    if (loaded) {
      setMatch(loaded.match);
      setRows(loaded.rows);
      setJson(null);
    } else setJson(JSON.stringify(s.definition, null, 2));
  };
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.segments')}</h1>
      </div>
      <div class="grid" style={{ gridTemplateColumns: 'minmax(0, 2fr) minmax(0, 1fr)', alignItems: 'start' }}>
        <div>
          <section class="card" aria-labelledby="builder-h">
            <h2 id="builder-h">{t('segments.builder')}</h2>
            {json === null ? (
              <>
                <div class="field">
                  <label for="seg-match">{t('segments.condition')}</label>
                  <select id="seg-match" value={match} onChange={(e) => setMatch((e.currentTarget as HTMLSelectElement).value as 'all' | 'any')}>
                    <option value="all">{t('segments.match.all')}</option>
                    <option value="any">{t('segments.match.any')}</option>
                  </select>
                </div>
                {rows.map((row, i) => (
                  <ConditionRow
                    key={row.id}
                    row={row}
                    index={i}
                    tiers={tiers}
                    onChange={(next) => setRows(rows.map((r) => (r.id === row.id ? next : r)))}
                    onRemove={() => setRows(rows.filter((r) => r.id !== row.id))}
                  />
                ))}
                <button type="button" class="button secondary" onClick={() => setRows([...rows, { id: nextRowId++, negate: false, node: defaultCondition(rows.length ? opOf(rows[rows.length - 1]!.node) : 'tier') }])}>
                  {t('segments.addCondition')}
                </button>
              </>
            ) : null}
            <details open={json !== null} style={{ marginBlockStart: '1rem' }}>
              <summary>{t('segments.json')}</summary>
              <label class="sr-only" for="seg-json">
                {t('segments.json')}
              </label>
              <textarea id="seg-json" rows={10} dir="ltr" value={json ?? JSON.stringify(built, null, 2)} onInput={(e) => setJson((e.currentTarget as HTMLTextAreaElement).value)} />
              {jsonError ? (
                <p class="problem" role="alert">
                  {jsonError}
                </p>
              ) : null}
            </details>
          </section>
          <section class="card" aria-labelledby="save-h">
            <h2 id="save-h">{t('segments.save')}</h2>
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                void save.run();
              }}
            >
              <div class="field">
                <label for="seg-id">{t('segments.id')}</label>
                <input id="seg-id" dir="ltr" value={segmentId} onInput={(e) => setSegmentId((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <div class="field">
                <label for="seg-name">{t('common.name')}</label>
                <input id="seg-name" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
              </div>
              <button type="submit" class="button" disabled={save.busy || !definition}>
                {t('segments.save')}
              </button>
            </form>
            <ProblemNotice error={save.error} />
            {save.result ? (
              <p class="notice-ok" role="status">
                {t('segments.savedOk', { id: save.result.id })}
              </p>
            ) : null}
          </section>
        </div>
        <div>
          <AudiencePreview definition={definition} />
          <section class="card" aria-labelledby="saved-h">
            <h2 id="saved-h">{t('segments.saved')}</h2>
            <ProblemNotice error={saved.error} />
            <ul class="list">
              {(saved.data?.items ?? []).map((s) => (
                <li key={s.id} class="item-head">
                  <span>
                    <bdi>{s.name}</bdi> <code class="small">{s.id}</code>
                  </span>
                  <button type="button" class="button link" onClick={() => load(s)}>
                    {t('common.open')}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </>
  );
}
