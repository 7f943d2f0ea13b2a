import { createHash } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { fromHex, u64be } from './bytes.js';
import { G1_DST, type DrandChain } from './drand-chains.js';

export type { DrandChain } from './drand-chains.js';
export {
  QUICKNET,
  KNOWN_DRAND_CHAINS,
  findDrandChain,
  drandRoundTime,
  drandRoundAt,
  drandFirstRoundAfter,
  assertDrandRoundAfter,
} from './drand-chains.js';

/** drand's randomness of a round: SHA-256(signature). */
export function drandRandomness(signature: Uint8Array): Buffer {
  return createHash('sha256').update(signature).digest();
}

/**
 * Checks a round's BLS signature against the chain's public key (unchained scheme: the message
 * is SHA-256(u64be(round)), hashed to G1). False for any malformed point as well.
 */
export function verifyDrandSignature(chain: DrandChain, round: number, signatureHex: string): boolean {
  if (chain.scheme !== 'bls-unchained-g1-rfc9380') return false;
  try {
    const signature = fromHex(signatureHex, 48);
    const message = createHash('sha256').update(u64be(round)).digest();
    const bls = bls12_381.shortSignatures;
    const point = bls.hash(message, G1_DST);
    return bls.verify(signature, point, fromHex(chain.publicKey, 96));
  } catch {
    return false;
  }
}
