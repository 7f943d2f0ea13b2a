import type { PublicDraw } from '../../shared/api/types.js';
import { HexValue } from '../../shared/components/HexValue.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** The rules as published before any entry was frozen (their hash is in the commitment). */
export function RulesSection(props: { draw: PublicDraw }) {
  const { t, fmt } = useI18n();
  const rules = props.draw.rules;
  const tickets = rules.tickets;
  const perTicket = tickets.type === 'purchases' ? tickets.ticketsPerPurchase : tickets.pointsPerTicket;
  const drand = rules.randomness.drand;
  return (
    <section class="card" aria-labelledby="rules-h">
      <h2 id="rules-h">{t('draw.rules')}</h2>
      {rules.description ? <p>{rules.description}</p> : null}
      <dl class="facts">
        <dt>{t('draw.entryWindow')}</dt>
        <dd>
          {fmt.dateTime(props.draw.entryStartsAt)} – {fmt.dateTime(props.draw.entryEndsAt)}
        </dd>
        <dt>{t('draw.tickets')}</dt>
        <dd>
          {t(`draw.tickets.${tickets.type}`, { n: fmt.number(perTicket ?? 1) })}
          {tickets.maxPerMember ? ` · ${t('draw.tickets.cap', { n: fmt.number(tickets.maxPerMember) })}` : ''}
        </dd>
        <dt>{t('draw.eligibility')}</dt>
        <dd>{rules.eligibility ? t('draw.eligibility.segment') : t('draw.eligibility.all')}</dd>
        <dt>{t('draw.prizes')}</dt>
        <dd>
          <ol>
            {rules.prizes.map((p) => (
              <li key={p.id}>
                {p.name} × {fmt.number(p.quantity)} — {p.points ? t('draw.prize.points', { n: fmt.number(p.points) }) : t('draw.prize.reward', { id: p.rewardId ?? '' })}
              </li>
            ))}
          </ol>
        </dd>
        <dt>{t('draw.maxWins')}</dt>
        <dd>{fmt.number(rules.maxWinsPerMember ?? 1)}</dd>
        <dt>{t('draw.reserves')}</dt>
        <dd>{fmt.number(rules.reserves ?? 0)}</dd>
        <dt>{t('draw.randomness')}</dt>
        <dd>
          {drand ? <div>{t('draw.randomness.drand', { round: fmt.number(drand.round), chain: (drand.chainHash ?? '').slice(0, 12) })}</div> : null}
          {rules.randomness.secretCommitment ? (
            <div>
              {t('draw.randomness.secret')}: <HexValue value={rules.randomness.secretCommitment} short label="H(s)" />
            </div>
          ) : null}
        </dd>
        <dt>{t('draw.rulesHash')}</dt>
        <dd>
          <HexValue value={props.draw.rulesHash} short label={t('draw.rulesHash')} />
        </dd>
      </dl>
    </section>
  );
}
