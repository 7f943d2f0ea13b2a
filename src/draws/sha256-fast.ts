/**
 * SHA-256 for many tiny messages (Merkle leaves and nodes, pid HMACs).
 *
 * Why not node:crypto here: each native call costs about 1 µs of binding overhead, which
 * dominates a 49- or 65-byte message; hashing 10 M entries (a leaf plus an inner node each, and a
 * pid HMAC) would take minutes. This module runs the compression function in JavaScript on
 * caller-provided buffers with no allocation per message (~0.45 µs per 64-byte block) and can
 * resume from a midstate, which turns HMAC with a fixed key into two compressions. It is
 * cross-checked against node:crypto in the unit tests; everything else uses node:crypto.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const PAD = new Uint8Array(128);

/** One SHA-256 compression of the 64 bytes at block[offset] into state (8 words, updated in place). */
export function compressBlock(state: Int32Array, block: Uint8Array, offset: number): void {
  const w = W;
  for (let i = 0, o = offset; i < 16; i++, o += 4) {
    w[i] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + s1 + ch + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + maj) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0; state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0; state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0; state[7] = (state[7]! + h) | 0;
}

const work = new Int32Array(8);

/**
 * SHA-256 of msg[off, off+len) continuing from `midstate` after `prefixLen` bytes (a multiple of
 * 64) were already absorbed; writes 32 bytes to out[outOff]. With IV and prefixLen 0 this is plain
 * SHA-256.
 */
export function sha256Resume(
  midstate: Int32Array,
  prefixLen: number,
  msg: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  const st = work;
  st.set(midstate);
  let p = off;
  const end = off + len;
  while (end - p >= 64) {
    compressBlock(st, msg, p);
    p += 64;
  }
  const rest = end - p;
  const pad = PAD;
  for (let i = 0; i < rest; i++) pad[i] = msg[p + i]!;
  pad[rest] = 0x80;
  const padLen = rest + 9 <= 64 ? 64 : 128;
  for (let i = rest + 1; i < padLen - 8; i++) pad[i] = 0;
  const bits = (prefixLen + len) * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  pad[padLen - 8] = hi >>> 24; pad[padLen - 7] = (hi >>> 16) & 0xff; pad[padLen - 6] = (hi >>> 8) & 0xff; pad[padLen - 5] = hi & 0xff;
  pad[padLen - 4] = lo >>> 24; pad[padLen - 3] = (lo >>> 16) & 0xff; pad[padLen - 2] = (lo >>> 8) & 0xff; pad[padLen - 1] = lo & 0xff;
  compressBlock(st, pad, 0);
  if (padLen === 128) compressBlock(st, pad, 64);
  for (let i = 0, o = outOff; i < 8; i++, o += 4) {
    const v = st[i]!;
    out[o] = v >>> 24; out[o + 1] = (v >>> 16) & 0xff; out[o + 2] = (v >>> 8) & 0xff; out[o + 3] = v & 0xff;
  }
}

/** Plain SHA-256 of msg[off, off+len) into out[outOff]. */
export function sha256Into(msg: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  sha256Resume(IV, 0, msg, off, len, out, outOff);
}

/**
 * HMAC-SHA256 under one fixed key, precomputed as the inner and outer midstates so each message
 * costs two or three compressions.
 */
export class FastHmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly innerDigest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    let k = key;
    if (k.length > 64) {
      const hashed = new Uint8Array(32);
      sha256Into(k, 0, k.length, hashed, 0);
      k = hashed;
    }
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i]! ^= k[i]!;
      opad[i]! ^= k[i]!;
    }
    this.inner.set(IV);
    compressBlock(this.inner, ipad, 0);
    this.outer.set(IV);
    compressBlock(this.outer, opad, 0);
  }

  /** HMAC of msg[off, off+len) into out[outOff] (32 bytes). */
  macInto(msg: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
    sha256Resume(this.inner, 64, msg, off, len, this.innerDigest, 0);
    sha256Resume(this.outer, 64, this.innerDigest, 0, 32, out, outOff);
  }
}
