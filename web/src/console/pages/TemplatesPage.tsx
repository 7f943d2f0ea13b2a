import { useState } from 'preact/hooks';
import { BUILT_IN_MESSAGES } from '../../../../src/messaging/templates/message-registry.js';
import type { ProgramView } from '../../shared/api/types.js';
import { ApiProblem } from '../../shared/api/client.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { SourceWithErrors } from '../components/SourceWithErrors.js';
import { TemplatePreviewGrid } from '../components/TemplatePreviewGrid.js';
import { useConsole } from '../session.js';

type Version = { fileName: string; version: number; createdBy: string; createdAt: string; source: string };

/** Marketer templates: versions of a message's files, edit with server validation shown by line, previews. */
export function TemplatesPage() {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const [message, setMessage] = useState(BUILT_IN_MESSAGES[0] ?? 'welcome');
  const [fileName, setFileName] = useState('email.hbs');
  const [source, setSource] = useState('');
  const versions = useLoad((signal) => api.get<{ versions: Version[] }>(`/v1/templates/${message}`, undefined, { signal }), [message]);
  const program = useLoad((signal) => api.get<ProgramView>('/v1/program', undefined, { signal }), []);
  const save = useAction(() => api.put<{ version: number }>(`/v1/templates/${message}/${encodeURIComponent(fileName)}`, { source }).then((r) => (versions.reload(), r)));
  const channel = (fileName.split('.')[0] ?? 'email') as 'email' | 'sms' | 'inbox';
  const problem = save.error instanceof ApiProblem ? save.error.problem : null;
  return (
    <>
      <div class="page-head">
        <h1>{t('nav.templates')}</h1>
      </div>
      <section class="card">
        <div class="row">
          <div class="field">
            <label for="tpl-message">{t('campaigns.message')}</label>
            <select id="tpl-message" value={message} onChange={(e) => setMessage((e.currentTarget as HTMLSelectElement).value)}>
              {BUILT_IN_MESSAGES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="tpl-file">{t('templates.file')}</label>
            <input id="tpl-file" dir="ltr" value={fileName} onInput={(e) => setFileName((e.currentTarget as HTMLInputElement).value)} />
          </div>
        </div>
        <ul class="list">
          {(versions.data?.versions ?? []).map((v) => (
            <li key={`${v.fileName}-${v.version}`} class="item-head">
              <span>
                <code>{v.fileName}</code> v{fmt.number(v.version)} · {v.createdBy} · {fmt.dateTime(v.createdAt)}
              </span>
              <button type="button" class="button link" onClick={() => (setFileName(v.fileName), setSource(v.source))}>
                {t('common.open')}
              </button>
            </li>
          ))}
        </ul>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <div class="field">
            <label for="tpl-source">{t('templates.source')}</label>
            <textarea id="tpl-source" rows={14} dir="ltr" value={source} onInput={(e) => setSource((e.currentTarget as HTMLTextAreaElement).value)} />
          </div>
          <button type="submit" class="button" disabled={save.busy || !source}>
            {t('action.save')}
          </button>
        </form>
        <ProblemNotice error={save.error} />
        {problem ? <SourceWithErrors source={source} problem={problem} /> : null}
        {save.result ? (
          <p class="notice-ok" role="status">
            v{fmt.number(save.result.version)}
          </p>
        ) : null}
      </section>
      {program.data ? <TemplatePreviewGrid message={message} channel={channel} vars={{}} tiers={program.data.definition.tiers.map((x) => x.id)} /> : null}
    </>
  );
}
