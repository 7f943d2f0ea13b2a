import { createHash } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { G1_DST } from '../../src/draws/drand-chains.js';
import { QUICKNET, drandRandomness, drandRoundTime, u64be, type DrandChain } from '../../src/draws/index.js';

const bls = bls12_381.shortSignatures;

export interface LocalDrand {
  /** Give it to the stack in DRAND_EXTRA_CHAINS. */
  chain: DrandChain;
  /** The round's signature under the chain's key (drand's unchained G1 scheme, as quicknet). */
  signature(round: number): string;
  /** What a drand relay answers for `round`: the round once its time has come, else null (404). */
  answer(round: number, nowMs?: number): { round: number; randomness: string; signature: string } | null;
}

/**
 * A drand chain whose key the test holds (there is no network here): it signs any round, so a draw
 * names the round after its close computed when the draw is made — as an operator does — and the
 * whole path (sleep until the round, fetch, BLS check, draw) runs however slow the machine is.
 * Same scheme and period as quicknet; genesis an hour ago.
 */
export function localDrand(label: string): LocalDrand {
  const key = createHash('sha256').update(`laurel test drand key: ${label}`).digest();
  const chain: DrandChain = {
    name: `local-test-${label}`,
    chainHash: createHash('sha256').update(`laurel test drand chain: ${label}`).digest('hex'),
    publicKey: Buffer.from(bls.getPublicKey(key).toBytes()).toString('hex'),
    scheme: 'bls-unchained-g1-rfc9380',
    genesisTime: Math.floor(Date.now() / 1000) - 3600,
    period: QUICKNET.period,
  };
  const signature = (round: number) => Buffer.from(bls.sign(bls.hash(createHash('sha256').update(u64be(round)).digest(), G1_DST), key).toBytes()).toString('hex');
  return {
    chain,
    signature,
    answer(round, nowMs = Date.now()) {
      if (drandRoundTime(chain, round) * 1000 > nowMs) return null;
      const sig = signature(round);
      return { round, randomness: drandRandomness(Buffer.from(sig, 'hex')).toString('hex'), signature: sig };
    },
  };
}
