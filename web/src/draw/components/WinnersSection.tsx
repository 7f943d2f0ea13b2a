import type { PublicDraw } from '../../shared/api/types.js';
import { HexValue } from '../../shared/components/HexValue.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** Every slot in draw order with its winner's pid and the winning ticket. */
export function WinnersSection(props: { draw: PublicDraw }) {
  const { t, fmt } = useI18n();
  const audit = props.draw.audit;
  const names = new Map(props.draw.rules.prizes.map((p) => [p.id, p.name]));
  return (
    <section class="card" aria-labelledby="winners-h">
      <h2 id="winners-h">{t('draw.winners')}</h2>
      {!audit ? (
        <p class="muted">{t('draw.winners.none')}</p>
      ) : (
        <>
          <p class="muted small">{t('draw.winners.pidHint')}</p>
          <div class="table-wrap">
            <table class="winners">
              <thead>
                <tr>
                  <th scope="col" class="num">
                    {t('draw.winners.slot')}
                  </th>
                  <th scope="col">{t('draw.winners.prize')}</th>
                  <th scope="col">{t('draw.winners.pid')}</th>
                  <th scope="col" class="num">
                    {t('draw.winners.ticket')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {audit.slots.map((s) => (
                  <tr key={s.slot} data-testid="winner-row">
                    <td class="num">{fmt.number(s.slot)}</td>
                    <td>{s.kind === 'prize' ? (names.get(s.prize_id ?? '') ?? s.prize_id) : t('draw.winners.reserve', { n: fmt.number(s.reserve_rank ?? 0) })}</td>
                    <td>{s.winner ? <HexValue value={s.winner.pid} short label={t('draw.winners.pid')} /> : <span class="muted">{t('draw.winners.empty')}</span>}</td>
                    <td class="num">{s.winner ? fmt.number(s.winner.t) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
