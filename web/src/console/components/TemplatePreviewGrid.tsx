import type { Rendered } from '../../shared/api/types.js';
import { useLoad } from '../../shared/api/use-api.js';
import { Loading } from '../../shared/components/Loading.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';

/**
 * A message rendered for every tier and locale side by side (POST /v1/messages/preview with a
 * sample member): the tier variant and the fa file (right to left, Persian digits and calendar)
 * as members will get them. HTML renders in a sandboxed frame: no scripts (same origin only so the
 * browser paints it in-process; without scripts nothing can use that origin).
 */
export function TemplatePreviewGrid(props: { message: string; channel: 'email' | 'sms' | 'inbox'; vars: Record<string, unknown>; tiers: readonly string[]; locales?: readonly string[] }) {
  const { api } = useConsole();
  const { t } = useI18n();
  const locales = props.locales ?? ['en', 'fa'];
  const cells = props.tiers.flatMap((tier) => locales.map((locale) => ({ tier, locale })));
  const previews = useLoad(
    (signal) =>
      Promise.all(cells.map((c) => api.post<Rendered>('/v1/messages/preview', { message: props.message, channel: props.channel, sample: c, vars: Object.keys(props.vars).length ? props.vars : undefined }, { signal }))),
    [props.message, props.channel, JSON.stringify(props.vars), props.tiers.join(), locales.join()],
  );
  if (previews.error) return <ProblemNotice error={previews.error} onRetry={previews.reload} />;
  if (!previews.data) return <Loading />;
  return (
    <div class="previews">
      {previews.data.map((r, i) => {
        const cell = cells[i]!;
        const label = t('templates.preview.tier', { tier: cell.tier, locale: cell.locale });
        return (
          <article class="preview" key={label} data-testid="template-preview" data-tier={cell.tier} data-locale={cell.locale}>
            <header>
              {label} · <code>{r.templateKey}</code>
            </header>
            {r.subject || r.title ? (
              <div class="subject" dir={r.dir} lang={r.locale}>
                {r.subject ?? r.title}
              </div>
            ) : null}
            {r.html ? (
              <iframe title={`${props.message} ${label}`} sandbox="allow-same-origin" srcdoc={r.html} />
            ) : (
              <p dir={r.dir} lang={r.locale} style={{ padding: '0.6rem', whiteSpace: 'pre-line' }}>
                {r.text ?? r.body}
              </p>
            )}
          </article>
        );
      })}
    </div>
  );
}
