import { G1_DST, type DrandChain } from '../../../../src/draws/drand-chains.js';
import { hexToBytes, u64be } from './bytes.js';
import { sha256 } from './web-crypto.js';

/**
 * The BLS check of a drand round (unchained G1 scheme): the signature over SHA-256(u64be(round)),
 * hashed to G1, must verify against the chain's public key. Pure JS (@noble/curves), loaded only
 * when a visitor asks for verification.
 */
export async function verifyDrandRound(chain: DrandChain, round: number, signatureHex: string): Promise<boolean> {
  if (chain.scheme !== 'bls-unchained-g1-rfc9380' || !/^[0-9a-f]{96}$/.test(signatureHex)) return false;
  const { bls12_381 } = await import('@noble/curves/bls12-381.js');
  try {
    const message = await sha256(u64be(BigInt(round)));
    const bls = bls12_381.shortSignatures;
    return bls.verify(hexToBytes(signatureHex), bls.hash(message, G1_DST), hexToBytes(chain.publicKey));
  } catch {
    return false;
  }
}
