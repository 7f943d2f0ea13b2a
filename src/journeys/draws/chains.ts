import { z } from 'zod';
import { KNOWN_DRAND_CHAINS, type DrandChain } from '../../draws/index.js';
import { ValidationError } from '../../errors/index.js';

const ChainSchema = z.strictObject({
  name: z.string().min(1),
  chainHash: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: z.string().regex(/^[0-9a-f]{192}$/, 'expected a 96-byte G2 public key in hex'),
  scheme: z.literal('bls-unchained-g1-rfc9380'),
  genesisTime: z.int().positive(),
  period: z.int().positive(),
});

/**
 * The drand chains draws may name: the pinned public ones plus `DRAND_EXTRA_CHAINS` (a JSON list,
 * for a private drand network; the tests use it to replay a recorded quicknet round later in time).
 */
export function drandChains(extraJson: string | undefined): readonly DrandChain[] {
  if (!extraJson) return KNOWN_DRAND_CHAINS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(extraJson);
  } catch {
    throw new ValidationError('invalid_config', 'DRAND_EXTRA_CHAINS is not JSON');
  }
  const result = z.array(ChainSchema).safeParse(parsed);
  if (!result.success) throw new ValidationError('invalid_config', `DRAND_EXTRA_CHAINS: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return [...KNOWN_DRAND_CHAINS, ...result.data];
}
