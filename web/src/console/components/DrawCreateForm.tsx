import { useState } from 'preact/hooks';
import { drandFirstRoundAfter } from '../../../../src/draws/drand-chains.js';
import type { DrawInput, PublicDrandChains } from '../../shared/api/types.js';
import { useAction, useLoad } from '../../shared/api/use-api.js';
import { ProblemNotice } from '../../shared/components/ProblemNotice.js';
import { useI18n } from '../../shared/i18n/i18n.js';
import { useConsole } from '../session.js';
import { IdentityFields } from './IdentityFields.js';
import { TextField } from './TextField.js';

type Formula = DrawInput['tickets']['type'];
interface PrizeRow {
  id: string;
  name: string;
  quantity: string;
  points: string;
}

/** The commit waits for the freeze after the close; the named round comes after that margin. */
const COMMIT_MARGIN_S = 120;

const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const hex = (bytes: ArrayBuffer | Uint8Array) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * POST /v1/draws: the rules of a prize draw, fixed once saved. The drand round is the first one
 * published after the close plus a margin (so it cannot exist at the commit); an optional operator
 * secret is made in this browser, shown once to keep, and only its SHA-256 commitment is sent.
 */
export function DrawCreateForm(props: { onCreated(id: string): void }) {
  const { api } = useConsole();
  const { t, fmt } = useI18n();
  const chains = useLoad((signal) => api.get<PublicDrandChains>('/v1/public/drand-chains', undefined, { signal }), []);
  const now = new Date();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [starts, setStarts] = useState(localInput(now));
  const [ends, setEnds] = useState(localInput(new Date(now.getTime() + 7 * 86_400_000)));
  const [formula, setFormula] = useState<Formula>('balance');
  const [per, setPer] = useState('100');
  const [maxPerMember, setMaxPerMember] = useState('');
  const [prizes, setPrizes] = useState<PrizeRow[]>([{ id: 'first', name: '', quantity: '1', points: '1000' }]);
  const [reserves, setReserves] = useState('0');
  const [chainHash, setChainHash] = useState('');
  const [secret, setSecret] = useState<{ secret: string; commitment: string } | null>(null);
  const chain = chains.data?.chains.find((c) => c.chainHash === chainHash) ?? chains.data?.chains[0];
  const endsMs = Date.parse(ends);
  const round = chain && Number.isFinite(endsMs) ? drandFirstRoundAfter(chain, Math.floor(endsMs / 1000) + COMMIT_MARGIN_S) : undefined;

  const makeSecret = useAction(async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    setSecret({ secret: hex(bytes), commitment: hex(await crypto.subtle.digest('SHA-256', bytes)) });
  });
  const create = useAction(async () => {
    const n = (v: string) => (v.trim() === '' ? undefined : Number(v));
    const tickets = (formula === 'purchases' ? { type: formula, ticketsPerPurchase: n(per), maxPerMember: n(maxPerMember) } : { type: formula, pointsPerTicket: n(per), maxPerMember: n(maxPerMember) }) as DrawInput['tickets'];
    const body: DrawInput = {
      id,
      name,
      ...(description ? { description } : {}),
      tickets,
      entryStartsAt: new Date(starts).toISOString(),
      entryEndsAt: new Date(ends).toISOString(),
      prizes: prizes.map((p) => ({ id: p.id, name: p.name, quantity: Number(p.quantity), points: n(p.points) })),
      reserves: Number(reserves),
      randomness: { ...(chain && round ? { drand: { chainHash: chain.chainHash, round } } : {}), ...(secret ? { secretCommitment: secret.commitment } : {}) },
    };
    await api.post('/v1/draws', body);
    props.onCreated(id);
  });
  const setPrize = (i: number, patch: Partial<PrizeRow>) => setPrizes(prizes.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <section class="card" aria-labelledby="draw-new-h">
      <h2 id="draw-new-h">{t('draws.new')}</h2>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <IdentityFields prefix="d" descriptionLabel={t('draws.description')} id={id} name={name} description={description} onId={setId} onName={setName} onDescription={setDescription} />
        <div class="row">
          <TextField id="d-starts" label={t('draws.entryStarts')} type="datetime-local" value={starts} onValue={setStarts} />
          <TextField id="d-ends" label={t('draws.entryEnds')} type="datetime-local" value={ends} onValue={setEnds} />
        </div>
        <div class="row">
          <div class="field">
            <label for="d-formula">{t('draws.tickets')}</label>
            <select id="d-formula" value={formula} onChange={(e) => setFormula((e.currentTarget as HTMLSelectElement).value as Formula)}>
              {(['balance', 'points_earned', 'purchases', 'bought'] as const).map((f) => (
                <option key={f} value={f}>
                  {t(`draws.formula.${f}`)}
                </option>
              ))}
            </select>
          </div>
          <TextField id="d-per" label={formula === 'purchases' ? t('draws.ticketsPerPurchase') : t('draws.pointsPerTicket')} type="number" min={1} dir="ltr" value={per} onValue={setPer} />
          <TextField id="d-max" label={t('draws.maxPerMember')} type="number" min={1} dir="ltr" value={maxPerMember} onValue={setMaxPerMember} />
        </div>
        <fieldset>
          <legend>{t('draws.prizes')}</legend>
          {prizes.map((p, i) => (
            <div class="row" key={i} data-testid="prize-row">
              <TextField id={`p-${i}-id`} label={t('common.id')} dir="ltr" required value={p.id} onValue={(v) => setPrize(i, { id: v })} />
              <TextField id={`p-${i}-name`} label={t('common.name')} required value={p.name} onValue={(v) => setPrize(i, { name: v })} />
              <TextField id={`p-${i}-qty`} label={t('draws.quantity')} type="number" min={1} dir="ltr" value={p.quantity} onValue={(v) => setPrize(i, { quantity: v })} />
              <TextField id={`p-${i}-points`} label={t('draws.prizePoints')} type="number" min={1} dir="ltr" value={p.points} onValue={(v) => setPrize(i, { points: v })} />
              {prizes.length > 1 ? (
                <button type="button" class="button secondary" onClick={() => setPrizes(prizes.filter((_, j) => j !== i))}>
                  {t('draws.removePrize')}
                </button>
              ) : null}
            </div>
          ))}
          <div class="row">
            <button type="button" class="button secondary" onClick={() => setPrizes([...prizes, { id: `prize-${prizes.length + 1}`, name: '', quantity: '1', points: '100' }])}>
              {t('draws.addPrize')}
            </button>
            <TextField id="d-reserves" label={t('draws.reserves')} type="number" min={0} dir="ltr" value={reserves} onValue={setReserves} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('draws.randomness')}</legend>
          {chains.data && chains.data.chains.length > 1 ? (
            <div class="field">
              <label for="d-chain">{t('draws.chain')}</label>
              <select id="d-chain" value={chain?.chainHash} onChange={(e) => setChainHash((e.currentTarget as HTMLSelectElement).value)}>
                {chains.data.chains.map((c) => (
                  <option key={c.chainHash} value={c.chainHash}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {chain && round ? (
            <p data-testid="drand-round">{t('draws.round', { chain: chain.name, round: String(round), at: fmt.dateTime(new Date((chain.genesisTime + (round - 1) * chain.period) * 1000)) })}</p>
          ) : null}
          <div class="row">
            <button type="button" class="button secondary" onClick={() => void makeSecret.run()}>
              {t('draws.makeSecret')}
            </button>
            {secret ? (
              <button type="button" class="button secondary" onClick={() => setSecret(null)}>
                {t('draws.noSecret')}
              </button>
            ) : null}
          </div>
          {secret ? (
            <div class="notice-warn" role="status">
              <p>{t('draws.keepSecret')}</p>
              <p class="hex">
                <code data-testid="draw-secret">{secret.secret}</code>
              </p>
              <p class="small muted">
                {t('draws.commitment')} <code>{secret.commitment}</code>
              </p>
            </div>
          ) : null}
        </fieldset>
        <div>
          <button type="submit" class="button" disabled={create.busy}>
            {t('draws.create')}
          </button>
        </div>
      </form>
      <ProblemNotice error={chains.error ?? create.error} />
    </section>
  );
}
