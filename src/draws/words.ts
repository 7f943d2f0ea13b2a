import { createHmac } from 'node:crypto';
import { ValidationError } from '../errors/index.js';
import { FastHmacSha256 } from './sha256-fast.js';

const U64_TAG = Buffer.from('u64', 'utf8');

function wordMessage(c: number): Buffer {
  if (!Number.isSafeInteger(c) || c < 0) throw new ValidationError('invalid_counter', `counter ${c} is not a non-negative integer`);
  const msg = Buffer.alloc(11);
  U64_TAG.copy(msg, 0);
  msg.writeBigUInt64BE(BigInt(c), 3);
  return msg;
}

/** word(c) = first 8 bytes of HMAC(seed, utf8("u64") ‖ u64be(c)) as u64be; reference form. */
export function word(seed: Uint8Array, c: number): bigint {
  return createHmac('sha256', seed).update(wordMessage(c)).digest().readBigUInt64BE(0);
}

/** word(c) for one seed, with the HMAC key schedule computed once (hot loop of the fairness test). */
export class WordSource {
  private readonly mac: FastHmacSha256;
  private readonly msg = Buffer.alloc(11);
  private readonly out = Buffer.alloc(32);

  constructor(seed: Uint8Array) {
    this.mac = new FastHmacSha256(seed);
    U64_TAG.copy(this.msg, 0);
  }

  word(c: number): bigint {
    if (!Number.isSafeInteger(c) || c < 0) throw new ValidationError('invalid_counter', `counter ${c} is not a non-negative integer`);
    this.msg.writeUInt32BE(Math.floor(c / 0x100000000), 3);
    this.msg.writeUInt32BE(c >>> 0, 7);
    this.mac.macInto(this.msg, 0, 11, this.out, 0);
    return this.out.readBigUInt64BE(0);
  }
}
