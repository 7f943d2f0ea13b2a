import { createHmac } from 'node:crypto';
import { FastHmacSha256 } from './sha256-fast.js';

/** pid = HMAC(draw_key, utf8(member_id)): the published pseudonym of a member in one draw. */
export function derivePid(drawKey: Uint8Array, memberId: string): Buffer {
  return createHmac('sha256', drawKey).update(memberId, 'utf8').digest();
}

/** The same pid derivation for millions of members: no allocation per member beyond long ids. */
export class PidDeriver {
  private readonly mac: FastHmacSha256;
  private readonly scratch = Buffer.alloc(1024);

  constructor(drawKey: Uint8Array) {
    this.mac = new FastHmacSha256(drawKey);
  }

  /** Writes the 32-byte pid of memberId to out[outOff]. */
  deriveInto(memberId: string, out: Uint8Array, outOff: number): void {
    // Buffer.write stops at the end of the scratch; a long id is encoded on its own.
    if (memberId.length * 3 <= this.scratch.length) {
      const len = this.scratch.write(memberId, 0, 'utf8');
      this.mac.macInto(this.scratch, 0, len, out, outOff);
    } else {
      const bytes = Buffer.from(memberId, 'utf8');
      this.mac.macInto(bytes, 0, bytes.length, out, outOff);
    }
  }
}
