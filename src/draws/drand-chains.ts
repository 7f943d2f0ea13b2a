import { ValidationError } from '../errors/index.js';

/**
 * drand chains and round arithmetic (pure: the draw page uses them too).
 */

/** What a verifier must know about a drand chain; pinned here so verification needs no network. */
export interface DrandChain {
  name: string;
  chainHash: string;
  publicKey: string;
  scheme: 'bls-unchained-g1-rfc9380';
  genesisTime: number;
  period: number;
}

/** drand quicknet, from https://api.drand.sh/<chain hash>/info. */
export const QUICKNET: DrandChain = {
  name: 'quicknet',
  chainHash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  publicKey:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  scheme: 'bls-unchained-g1-rfc9380',
  genesisTime: 1692803367,
  period: 3,
};

export const KNOWN_DRAND_CHAINS: readonly DrandChain[] = [QUICKNET];

export function findDrandChain(chainHash: string, chains: readonly DrandChain[] = KNOWN_DRAND_CHAINS): DrandChain | undefined {
  return chains.find((c) => c.chainHash === chainHash);
}

/** Unix seconds at which `round` is published: genesis + (round − 1) · period. */
export function drandRoundTime(chain: DrandChain, round: number): number {
  if (!Number.isSafeInteger(round) || round < 1) throw new ValidationError('invalid_drand_round', `drand rounds start at 1, got ${round}`);
  return chain.genesisTime + (round - 1) * chain.period;
}

/** The latest round published at or before `unixSeconds`; 0 before genesis (no round yet). */
export function drandRoundAt(chain: DrandChain, unixSeconds: number): number {
  if (unixSeconds < chain.genesisTime) return 0;
  return Math.floor((unixSeconds - chain.genesisTime) / chain.period) + 1;
}

/** The first round published strictly after `unixSeconds`: the one to name in a commit at that time. */
export function drandFirstRoundAfter(chain: DrandChain, unixSeconds: number): number {
  return Math.max(1, drandRoundAt(chain, unixSeconds) + 1);
}

/** A draw may only use a round that did not exist when its entries were committed. */
export function assertDrandRoundAfter(chain: DrandChain, round: number, commitTimeMs: number): void {
  const roundMs = drandRoundTime(chain, round) * 1000;
  if (roundMs <= commitTimeMs) {
    throw new ValidationError(
      'drand_round_in_past',
      `drand round ${round} was published at ${new Date(roundMs).toISOString()}, not after the commit at ${new Date(commitTimeMs).toISOString()}`,
      undefined,
      422, // a well-formed round that is already out: a rule, not a shape
    );
  }
}

/** The hash-to-curve domain of the unchained G1 scheme (RFC 9380 suite of drand quicknet). */
export const G1_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';
