import type { PublicDraw } from '../../shared/api/types.js';
import { HexValue } from '../../shared/components/HexValue.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** The commitment (written before the randomness existed) and, once known, the randomness itself. */
export function CommitSection(props: { draw: PublicDraw }) {
  const { t, fmt } = useI18n();
  const commit = props.draw.commit;
  const evidence = props.draw.audit?.evidence;
  return (
    <section class="card" aria-labelledby="commit-h">
      <h2 id="commit-h">{t('draw.commitment')}</h2>
      {!commit ? (
        <p class="muted">{t('draw.commitment.none')}</p>
      ) : (
        <dl class="facts">
          <dt>{t('draw.commitment.n')}</dt>
          <dd data-testid="commit-n">{fmt.number(commit.entries.n)}</dd>
          <dt>{t('draw.commitment.t')}</dt>
          <dd>{fmt.number(commit.entries.t)}</dd>
          <dt>{t('draw.commitment.root')}</dt>
          <dd>
            <HexValue value={commit.entries.root} label={t('draw.commitment.root')} />
          </dd>
          <dt>{t('draw.commitment.freeze')}</dt>
          <dd>{fmt.dateTime(commit.freeze_time)}</dd>
          <dt>{t('draw.commitment.commit')}</dt>
          <dd>{fmt.dateTime(commit.commit_time)}</dd>
        </dl>
      )}
      <h3>{t('draw.randomness')}</h3>
      {!evidence ? (
        <p class="muted">{t('draw.randomness.pending')}</p>
      ) : (
        <dl class="facts">
          {evidence.drand ? (
            <>
              <dt>{t('draw.randomness.drand', { round: fmt.number(evidence.drand.round), chain: evidence.drand.chain_hash.slice(0, 12) })}</dt>
              <dd />
              <dt>{t('draw.randomness.signature')}</dt>
              <dd>
                <HexValue value={evidence.drand.signature} short label={t('draw.randomness.signature')} />
              </dd>
              <dt>{t('draw.randomness.value')}</dt>
              <dd>
                <HexValue value={evidence.drand.randomness} short label={t('draw.randomness.value')} />
              </dd>
            </>
          ) : null}
          {evidence.secret !== null ? (
            <>
              <dt>{t('draw.randomness.revealed')}</dt>
              <dd>
                <HexValue value={evidence.secret} short label={t('draw.randomness.revealed')} />
              </dd>
            </>
          ) : null}
        </dl>
      )}
    </section>
  );
}
