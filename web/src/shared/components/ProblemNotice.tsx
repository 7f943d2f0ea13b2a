import { ApiProblem } from '../api/client.js';
import { useI18n } from '../i18n/i18n.js';

/**
 * An API problem (RFC 9457) in words: the translated meaning of its stable code when the
 * catalogue has one, the server's detail, and every field issue with its path.
 */
export function ProblemNotice(props: { error: unknown; onRetry?: () => void }) {
  const { t, has } = useI18n();
  const error = props.error;
  if (!error) return null;
  const problem = error instanceof ApiProblem ? error.problem : { status: 0, code: 'client_error', detail: error instanceof Error ? error.message : String(error) };
  const meaning = has(`problem.${problem.code}`) ? t(`problem.${problem.code}`) : null;
  return (
    <div class="problem" role="alert" data-code={problem.code}>
      <strong>{t('problem.title')}</strong>
      {meaning ? <p>{meaning}</p> : null}
      {problem.detail && problem.detail !== meaning ? (
        <p class="problem-detail">
          <bdi>{problem.detail}</bdi> <code class="problem-code">{problem.code}</code>
        </p>
      ) : null}
      {problem.issues && problem.issues.length > 0 ? (
        <>
          <p>{t('problem.fieldIssues')}</p>
          <ul>
            {problem.issues.map((issue) => (
              <li key={issue.path}>
                <code>{issue.path}</code>: <bdi>{issue.message}</bdi>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {props.onRetry ? (
        <button type="button" class="button secondary" onClick={props.onRetry}>
          {t('state.retry')}
        </button>
      ) : null}
    </div>
  );
}
