import type { PublicDrawAuditLog } from '../../shared/api/types.js';
import { HexValue } from '../../shared/components/HexValue.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';

/** The draw's hash-chained audit log, with the chain check. */
export function AuditLogSection(props: { log: PublicDrawAuditLog | undefined; error: unknown }) {
  const { t, fmt } = useI18n();
  const log = props.log;
  return (
    <section class="card" aria-labelledby="log-h">
      <h2 id="log-h">{t('draw.auditLog')}</h2>
      <ProblemNotice error={props.error} />
      {log ? (
        <>
          {log.chain.ok ? (
            <p class="badge" data-testid="chain-ok">
              {t('draw.auditLog.chainOk', { n: fmt.number(log.entries.length) })}
            </p>
          ) : (
            <p class="problem" role="alert">
              {t('draw.auditLog.chainBroken', { seq: fmt.number(log.chain.seq), message: log.chain.message })}
            </p>
          )}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">{t('draw.auditLog.kind')}</th>
                  <th scope="col">{t('draw.auditLog.at')}</th>
                  <th scope="col">{t('draw.auditLog.hash')}</th>
                </tr>
              </thead>
              <tbody>
                {log.entries.map((e) => (
                  <tr key={e.seq}>
                    <td class="num">{fmt.number(e.seq)}</td>
                    <td>
                      <code>{e.kind}</code>
                    </td>
                    <td>{fmt.dateTime(e.at)}</td>
                    <td>
                      <HexValue value={e.hash} short label={t('draw.auditLog.hash')} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
