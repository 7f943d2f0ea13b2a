import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { ALGORITHM } from './algorithm.js';
import { lp, utf8 } from './bytes.js';

export { ALGORITHM };

/** seed = H(utf8("LAUREL-DRAW-v1") ‖ lp(utf8(draw_id)) ‖ root ‖ lp(R) ‖ lp(s)); R and s may be empty. */
export function deriveSeed(drawId: string, root: Uint8Array, drandRandomness: Uint8Array, secret: Uint8Array): Buffer {
  if (root.length !== 32) throw new ValidationError('invalid_root', 'a Merkle root is 32 bytes');
  return createHash('sha256')
    .update(utf8(ALGORITHM))
    .update(lp(utf8(drawId)))
    .update(root)
    .update(lp(drandRandomness))
    .update(lp(secret))
    .digest();
}
