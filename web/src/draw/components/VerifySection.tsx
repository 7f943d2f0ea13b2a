import { useState } from 'preact/hooks';
import { KNOWN_DRAND_CHAINS } from '../../../../src/draws/drand-chains.js';
import type { DrandChain, PublicDraw } from '../../shared/api/types.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { publicApi } from '../api.js';
import type { BrowserVerifyResult, VerifyPhase } from '../verify/verify-draw.js';
import { OwnFilesForm } from './OwnFilesForm.js';
import { VerifyOutcome } from './VerifyOutcome.js';

/** Chains pinned in the page first; a chain only the server knows (a private drand network) is named as such. */
function chainsFor(served: readonly DrandChain[]): { chains: DrandChain[]; servedOnly: DrandChain[] } {
  const pinned = new Set(KNOWN_DRAND_CHAINS.map((c) => c.chainHash));
  const servedOnly = served.filter((c) => !pinned.has(c.chainHash));
  return { chains: [...KNOWN_DRAND_CHAINS, ...servedOnly], servedOnly };
}

/** "Verify in my browser": re-runs the draw from the published files (or the visitor's own copies). */
export function VerifySection(props: { draw: PublicDraw; chains: readonly DrandChain[] }) {
  const { t, fmt } = useI18n();
  const [phase, setPhase] = useState<{ phase: VerifyPhase; done?: number; total?: number } | null>(null);
  const [result, setResult] = useState<BrowserVerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const base = `/v1/public/draws/${encodeURIComponent(props.draw.id)}`;
  const { chains, servedOnly } = chainsFor(props.chains);
  const chainUsed = props.draw.commit?.randomness.drand ? servedOnly.find((c) => c.chainHash === props.draw.commit?.randomness.drand?.chain_hash) : undefined;

  async function verify(load: () => Promise<{ record: unknown; leaves: Uint8Array }>) {
    setResult(null);
    setError(null);
    setPhase({ phase: 'record' });
    try {
      const [{ verifyDrawInBrowser }, files] = await Promise.all([import('../verify/verify-draw.js'), load()]);
      const outcome = await verifyDrawInBrowser(files.record, files.leaves, {
        chains,
        onPhase: (p, detail) => setPhase({ phase: p, ...(detail ?? {}) }),
      });
      setResult(outcome);
    } catch (err) {
      setError(err);
    } finally {
      setPhase(null);
    }
  }

  const published = () =>
    Promise.all([publicApi.get<unknown>(`${base}/audit`), publicApi.get<Uint8Array>(`${base}/leaves`, undefined, { as: 'bytes' })]).then(([record, leaves]) => ({ record, leaves }));

  return (
    <section class="card" aria-labelledby="verify-h">
      <h2 id="verify-h">{t('draw.verify')}</h2>
      <p>{t('draw.verify.intro')}</p>
      {!props.draw.audit ? (
        <p class="muted">{t('draw.verify.notDrawn')}</p>
      ) : (
        <>
          {chainUsed ? <p class="small muted">{t('draw.verify.chainServed', { name: chainUsed.name })}</p> : null}
          <div class="row">
            <button type="button" class="button" disabled={phase !== null} onClick={() => void verify(published)} data-testid="verify-published">
              {t('draw.verify.run')}
            </button>
            <span class="small muted">{t('draw.verify.downloads')}:</span>
            <a href={`${base}/audit`} download={`${props.draw.id}.draw.json`}>
              draw.json
            </a>
            <a href={`${base}/leaves`} download={`${props.draw.id}.leaves.ndjson`}>
              leaves.ndjson
            </a>
          </div>
          {phase ? (
            <p role="status" aria-live="polite" class="muted">
              {t('draw.verify.running', { phase: t(`draw.phase.${phase.phase}`) })}
              {phase.total ? ` (${fmt.number(phase.done ?? 0)} / ${fmt.number(phase.total)})` : ''}
            </p>
          ) : null}
          <ProblemNotice error={error} />
          {result ? <VerifyOutcome result={result} /> : null}
          <OwnFilesForm busy={phase !== null} onVerify={(files) => void verify(() => Promise.resolve(files))} />
        </>
      )}
    </section>
  );
}
