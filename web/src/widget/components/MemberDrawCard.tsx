import { useState } from 'preact/hooks';
import type { DrawEntry, MemberDraw, PublicDraw } from '../../shared/api/types.js';
import { useAction } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useSession } from '../session.js';

/**
 * One of the member's draws. "Check my entry" fetches their inclusion proof and the public
 * commitment and checks the proof here, in the browser, against the committed Merkle root.
 */
export function MemberDrawCard(props: { draw: MemberDraw }) {
  const { api, memberId } = useSession();
  const { t, fmt } = useI18n();
  const d = props.draw;
  const [proof, setProof] = useState<string | null>(null);
  const check = useAction(async () => {
    const [entry, draw] = await Promise.all([
      api.get<DrawEntry>(`/v1/members/${encodeURIComponent(memberId)}/draws/${encodeURIComponent(d.id)}/entry`),
      api.get<PublicDraw>(`/v1/public/draws/${encodeURIComponent(d.id)}`),
    ]);
    const { checkMemberProof } = await import('../../draw/verify/member-proof.js');
    setProof(JSON.stringify(entry.proof, null, 1));
    return checkMemberProof(entry.proof, draw.commit!);
  });
  return (
    <li data-testid="member-draw" data-draw={d.id}>
      <div class="item-head">
        <strong>{d.name}</strong>
        <a class="small" href={`/draws/${encodeURIComponent(d.id)}`} target="_blank" rel="noopener">
          {t('widget.draws.public')}
        </a>
      </div>
      {d.participation === 'open' ? <p class="small">{t('widget.draws.open', { date: fmt.dateTime(d.entryEndsAt) })}</p> : <p class="small">{t('widget.draws.entered', { n: fmt.number(d.tickets ?? '0') })}</p>}
      {d.wins.map((w) => (
        <p key={w.slot} class="badge">
          {w.kind === 'prize' ? t('widget.draws.won', { prize: w.prizeName ?? w.prizeId ?? '' }) : t('widget.draws.reserve', { n: fmt.number(w.reserveRank ?? 0) })}
        </p>
      ))}
      {d.participation === 'entered' ? (
        <div class="stack">
          <button type="button" class="button secondary" disabled={check.busy} onClick={() => void check.run()} data-testid="check-entry">
            {t('widget.draws.check')}
          </button>
          <ProblemNotice error={check.error} />
          {check.result ? (
            check.result.ok ? (
              <p class="notice-ok" role="status" data-testid="entry-check" data-ok="true">
                {t('widget.draws.checkOk', { n: fmt.number(check.result.proof.w) })}
              </p>
            ) : (
              <p class="problem" role="alert" data-testid="entry-check" data-ok="false">
                {t('widget.draws.checkFailed', { message: check.result.message })}
              </p>
            )
          ) : null}
          {proof ? (
            <details>
              <summary>{t('widget.draws.proof')}</summary>
              <pre dir="ltr" class="small" style={{ overflowX: 'auto' }}>
                {proof}
              </pre>
            </details>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
