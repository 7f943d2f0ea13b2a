import type { ProblemBody } from '../../shared/api/client.js';

/**
 * The template source with line numbers, and the validation problem written beside the line it
 * names ("… on line 3", "line 3:"); problems without a line are listed by ProblemNotice above.
 */
export function SourceWithErrors(props: { source: string; problem: ProblemBody }) {
  const text = [props.problem.detail, ...((props.problem.issues ?? []).map((i) => i.message) as string[])].join('\n');
  const byLine = new Map<number, string[]>();
  for (const m of text.matchAll(/line (\d+)[:,]?\s*([^\n]*)/gi)) {
    const n = Number(m[1]);
    byLine.set(n, [...(byLine.get(n) ?? []), m[0]]);
  }
  if (byLine.size === 0) return null;
  return (
    <ol class="small" dir="ltr" style={{ fontFamily: 'var(--mono)', paddingInlineStart: '3rem' }} data-testid="source-errors">
      {props.source.split('\n').map((line, i) => {
        const errors = byLine.get(i + 1);
        return (
          <li key={i} style={errors ? { background: 'var(--danger-soft)' } : undefined}>
            <span style={{ whiteSpace: 'pre' }}>{line || ' '}</span>
            {errors ? (
              <strong role="note" style={{ color: 'var(--danger)', marginInlineStart: '1rem' }}>
                ← {errors.join('; ')}
              </strong>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
