import { ValidationError } from '../errors/index.js';

/** 2^64: one past the largest ticket count or word a draw can hold. */
export const TWO_POW_64 = 1n << 64n;
export const U64_MAX = TWO_POW_64 - 1n;

export function u32be(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ValidationError('invalid_u32', `not a u32: ${n}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

export function u64be(n: bigint | number): Buffer {
  const v = BigInt(n);
  if (v < 0n || v > U64_MAX) throw new ValidationError('invalid_u64', `not a u64: ${v}`);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(v, 0);
  return b;
}

/** lp(b) = u32be(len(b)) ‖ b: length-prefixing keeps concatenated fields unambiguous. */
export function lp(b: Uint8Array): Buffer {
  return Buffer.concat([u32be(b.length), b]);
}

export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex only: one spelling per byte string, so records compare byte for byte. */
export function fromHex(hex: string, expectedBytes?: number): Buffer {
  if (!HEX_RE.test(hex)) throw new ValidationError('invalid_hex', 'expected lower-case hex');
  const b = Buffer.from(hex, 'hex');
  if (expectedBytes !== undefined && b.length !== expectedBytes) {
    throw new ValidationError('invalid_hex', `expected ${expectedBytes} bytes of hex, got ${b.length}`);
  }
  return b;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
