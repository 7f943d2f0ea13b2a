import { createHash, timingSafeEqual } from 'node:crypto';

/** H(s): published at commit time, before the secret s is revealed. */
export function secretCommitment(secret: Uint8Array): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function revealMatches(secret: Uint8Array, commitment: Uint8Array): boolean {
  const h = secretCommitment(secret);
  return commitment.length === h.length && timingSafeEqual(h, commitment);
}
