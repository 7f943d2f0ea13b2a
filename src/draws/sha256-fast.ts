/**
 * SHA-256 for many tiny messages (Merkle leaves and nodes, pid HMACs).
 *
 * Why not node:crypto here: each native call costs about 1 µs of binding overhead, which
 * dominates a 49- or 65-byte message; hashing 10 M entries (a leaf plus an inner node each, and a
 * pid HMAC) that way takes minutes. This module runs the compression function in JavaScript on
 * preallocated buffers with no allocation per message, keeps Merkle hashes as 32-bit words
 * between compressions, and resumes from a midstate, which turns HMAC under a fixed key into two
 * compressions. It is cross-checked against node:crypto in the unit tests; everything else in
 * the draws module uses node:crypto.
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

export const SHA256_IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The message schedule; its first 16 words are the block being compressed. */
const W = new Int32Array(64);

/** One compression of the block in W[0..15] into state[so .. so+8). */
function compress(state: Int32Array, so: number): void {
  const w = W;
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    w[i] =
      (w[i - 16]! +
        (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) +
        w[i - 7]! +
        (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) |
      0;
  }
  let a = state[so]!, b = state[so + 1]!, c = state[so + 2]!, d = state[so + 3]!;
  let e = state[so + 4]!, f = state[so + 5]!, g = state[so + 6]!, h = state[so + 7]!;
  // Eight rounds per iteration with the roles of a..h rotated in the code instead of the data.
  for (let i = 0; i < 64; i += 8) {
    h = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[i]! + w[i]!) | 0;
    d = (d + h) | 0;
    h = (h + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[i + 1]! + w[i + 1]!) | 0;
    c = (c + g) | 0;
    g = (g + (((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[i + 2]! + w[i + 2]!) | 0;
    b = (b + f) | 0;
    f = (f + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[i + 3]! + w[i + 3]!) | 0;
    a = (a + e) | 0;
    e = (e + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[i + 4]! + w[i + 4]!) | 0;
    h = (h + d) | 0;
    d = (d + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7))) + (b ^ (h & (a ^ b))) + K[i + 5]! + w[i + 5]!) | 0;
    g = (g + c) | 0;
    c = (c + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (h ^ a))) + K[i + 6]! + w[i + 6]!) | 0;
    f = (f + b) | 0;
    b = (b + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (h ^ (f & (g ^ h))) + K[i + 7]! + w[i + 7]!) | 0;
    e = (e + a) | 0;
    a = (a + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
  }
  state[so] = (state[so]! + a) | 0;
  state[so + 1] = (state[so + 1]! + b) | 0;
  state[so + 2] = (state[so + 2]! + c) | 0;
  state[so + 3] = (state[so + 3]! + d) | 0;
  state[so + 4] = (state[so + 4]! + e) | 0;
  state[so + 5] = (state[so + 5]! + f) | 0;
  state[so + 6] = (state[so + 6]! + g) | 0;
  state[so + 7] = (state[so + 7]! + h) | 0;
}

function loadBlock(bytes: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0, o = off; i < 16; i++, o += 4) w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
}

/** Big-endian bytes of the 8 words at words[wo] into out[outOff]. */
export function wordsToBytes(words: Int32Array, wo: number, out: Uint8Array, outOff: number): void {
  for (let i = 0, o = outOff; i < 8; i++, o += 4) {
    const v = words[wo + i]!;
    out[o] = v >>> 24;
    out[o + 1] = (v >>> 16) & 0xff;
    out[o + 2] = (v >>> 8) & 0xff;
    out[o + 3] = v & 0xff;
  }
}

/** The 8 big-endian words of the 32 bytes at bytes[off] into words[wo]. */
export function bytesToWords(bytes: Uint8Array, off: number, words: Int32Array, wo: number): void {
  for (let i = 0, o = off; i < 8; i++, o += 4) words[wo + i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
}

const TAIL = new Uint8Array(128);

/**
 * SHA-256 of msg[off, off+len) continuing from `midstate` after `prefixLen` bytes (a multiple of
 * 64) were already absorbed; the digest goes to out[oo .. oo+8) as words.
 */
export function sha256ResumeWords(midstate: Int32Array, prefixLen: number, msg: Uint8Array, off: number, len: number, out: Int32Array, oo: number): void {
  for (let i = 0; i < 8; i++) out[oo + i] = midstate[i]!;
  let p = off;
  const end = off + len;
  while (end - p >= 64) {
    loadBlock(msg, p);
    compress(out, oo);
    p += 64;
  }
  const rest = end - p;
  const tail = TAIL;
  for (let i = 0; i < rest; i++) tail[i] = msg[p + i]!;
  tail[rest] = 0x80;
  const tailLen = rest + 9 <= 64 ? 64 : 128;
  tail.fill(0, rest + 1, tailLen - 8);
  const bits = (prefixLen + len) * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  tail[tailLen - 8] = hi >>> 24; tail[tailLen - 7] = (hi >>> 16) & 0xff; tail[tailLen - 6] = (hi >>> 8) & 0xff; tail[tailLen - 5] = hi & 0xff;
  tail[tailLen - 4] = lo >>> 24; tail[tailLen - 3] = (lo >>> 16) & 0xff; tail[tailLen - 2] = (lo >>> 8) & 0xff; tail[tailLen - 1] = lo & 0xff;
  loadBlock(tail, 0);
  compress(out, oo);
  if (tailLen === 128) {
    loadBlock(tail, 64);
    compress(out, oo);
  }
}

const DIGEST = new Int32Array(8);

/** Plain SHA-256 of msg[off, off+len) into out[outOff] (32 bytes). */
export function sha256Into(msg: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
  sha256ResumeWords(SHA256_IV, 0, msg, off, len, DIGEST, 0);
  wordsToBytes(DIGEST, 0, out, outOff);
}

/**
 * Merkle leaf hash H(0x00 ‖ pid ‖ u64be(w) ‖ u64be(start)) into out[oo .. oo+8) as words. The
 * 49-byte message fits one block whose padding never changes, so only its first 13 words are built.
 */
export function leafHashWords(pids: Uint8Array, pidOff: number, wHi: number, wLo: number, sHi: number, sLo: number, out: Int32Array, oo: number): void {
  const w = W;
  const p = pidOff;
  // Byte 0 is the 0x00 leaf prefix, so the pid starts one byte into the first word.
  w[0] = (pids[p]! << 16) | (pids[p + 1]! << 8) | pids[p + 2]!;
  for (let i = 1, o = p + 3; i < 8; i++, o += 4) w[i] = (pids[o]! << 24) | (pids[o + 1]! << 16) | (pids[o + 2]! << 8) | pids[o + 3]!;
  w[8] = (pids[p + 31]! << 24) | (wHi >>> 8);
  w[9] = (wHi << 24) | (wLo >>> 8);
  w[10] = (wLo << 24) | (sHi >>> 8);
  w[11] = (sHi << 24) | (sLo >>> 8);
  w[12] = (sLo << 24) | 0x800000;
  w[13] = 0;
  w[14] = 0;
  w[15] = 49 * 8;
  for (let i = 0; i < 8; i++) out[oo + i] = SHA256_IV[i]!;
  compress(out, oo);
}

/**
 * Merkle node hash H(0x01 ‖ left ‖ right) of two word-form hashes into out[oo] (which may be
 * the left operand's slot). 65 bytes: one full block plus a tail block holding right's last byte.
 */
export function nodeHashWords(hashes: Int32Array, lo: number, ro: number, out: Int32Array, oo: number): void {
  const w = W;
  const r7 = hashes[ro + 7]!;
  w[0] = 0x01000000 | (hashes[lo]! >>> 8);
  for (let i = 1; i < 8; i++) w[i] = (hashes[lo + i - 1]! << 24) | (hashes[lo + i]! >>> 8);
  w[8] = (hashes[lo + 7]! << 24) | (hashes[ro]! >>> 8);
  for (let i = 1; i < 8; i++) w[8 + i] = (hashes[ro + i - 1]! << 24) | (hashes[ro + i]! >>> 8);
  for (let i = 0; i < 8; i++) out[oo + i] = SHA256_IV[i]!;
  compress(out, oo);
  w[0] = (r7 << 24) | 0x800000;
  for (let i = 1; i < 15; i++) w[i] = 0;
  w[15] = 65 * 8;
  compress(out, oo);
}

/**
 * HMAC-SHA256 under one fixed key, precomputed as the inner and outer midstates so a short
 * message costs two compressions.
 */
export class FastHmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly digest = new Int32Array(8);

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
    this.inner.set(SHA256_IV);
    loadBlock(ipad, 0);
    compress(this.inner, 0);
    this.outer.set(SHA256_IV);
    loadBlock(opad, 0);
    compress(this.outer, 0);
  }

  /** HMAC of msg[off, off+len) into out[outOff] (32 bytes). */
  macInto(msg: Uint8Array, off: number, len: number, out: Uint8Array, outOff: number): void {
    const d = this.digest;
    sha256ResumeWords(this.inner, 64, msg, off, len, d, 0);
    // Outer block: the 32-byte inner digest, then padding for a 96-byte message.
    const w = W;
    for (let i = 0; i < 8; i++) w[i] = d[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = 96 * 8;
    for (let i = 0; i < 8; i++) d[i] = this.outer[i]!;
    compress(d, 0);
    wordsToBytes(d, 0, out, outOff);
  }
}
