import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastHmacSha256, leafHashWords, nodeHashWords, sha256Into, wordsToBytes, bytesToWords } from '../../../src/draws/sha256-fast.js';
import { fastLeafHash, leafHash, nodeHash } from '../../../src/draws/index.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();

describe('JavaScript SHA-256 fast path agrees with node:crypto', () => {
  it('hashes every length from 0 to 300 bytes', () => {
    for (let len = 0; len <= 300; len++) {
      const msg = randomBytes(len);
      const out = Buffer.alloc(32);
      sha256Into(msg, 0, len, out, 0);
      expect(out.toString('hex'), `length ${len}`).toBe(sha256(msg).toString('hex'));
    }
  });

  it('HMACs under short, 64-byte and long keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 200 }), (key, msg) => {
        const out = Buffer.alloc(32);
        new FastHmacSha256(key).macInto(msg, 0, msg.length, out, 0);
        expect(out.toString('hex')).toBe(createHmac('sha256', key).update(msg).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('builds leaf and node hashes in word form exactly as the byte definition', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (pid, w, start) => {
        expect(fastLeafHash(pid, w, start).toString('hex')).toBe(leafHash(pid, w, start).toString('hex'));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (l, r) => {
        const words = new Int32Array(16);
        bytesToWords(l, 0, words, 0);
        bytesToWords(r, 0, words, 8);
        nodeHashWords(words, 0, 8, words, 0);
        const out = Buffer.alloc(32);
        wordsToBytes(words, 0, out, 0);
        expect(out.toString('hex')).toBe(nodeHash(l, r).toString('hex'));
      }),
      { numRuns: 300 },
    );
    const words = new Int32Array(8);
    const pid = randomBytes(32);
    leafHashWords(pid, 0, 0xffffffff, 0xffffffff, 0x80000000, 1, words, 0);
    const out = Buffer.alloc(32);
    wordsToBytes(words, 0, out, 0);
    expect(out.toString('hex')).toBe(leafHash(pid, 2n ** 64n - 1n, 2n ** 63n + 1n).toString('hex'));
  });
});
