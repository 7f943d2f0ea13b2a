import { verifyDrandSignature, type DrandChain } from '../../draws/index.js';
import { LaurelError } from '../../errors/index.js';

/**
 * Fetches one round from a drand HTTP relay (`GET <relay>/<chain hash>/public/<round>`) and
 * checks its BLS signature against the pinned public key before anyone uses it: a relay is only
 * a courier, never trusted.
 */
export async function fetchDrandRound(relayUrl: string, chain: DrandChain, round: number, timeoutMs = 10_000): Promise<{ round: number; signature: string }> {
  const url = `${relayUrl.replace(/\/+$/, '')}/${chain.chainHash}/public/${round}`;
  let body: { round?: unknown; signature?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as { round?: unknown; signature?: unknown };
  } catch (err) {
    throw new LaurelError('drand_fetch_failed', `cannot fetch drand round ${round} from ${url}: ${(err as Error).message}`, { status: 503, cause: err });
  }
  if (body.round !== round || typeof body.signature !== 'string') {
    throw new LaurelError('drand_fetch_failed', `${url} did not answer with round ${round}`, { status: 503 });
  }
  if (!verifyDrandSignature(chain, round, body.signature)) {
    throw new LaurelError('drand_signature_invalid', `the relay ${relayUrl} served a signature for round ${round} that does not verify against the ${chain.name} public key`, { status: 502 });
  }
  return { round, signature: body.signature };
}
