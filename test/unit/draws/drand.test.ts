import { describe, expect, it } from 'vitest';
import {
  assertDrandRoundAfter,
  buildCommitRecord,
  drandFirstRoundAfter,
  drandRandomness,
  drandRoundAt,
  drandRoundTime,
  freezePidEntries,
  QUICKNET,
  revealMatches,
  secretCommitment,
  verifyDrandSignature,
} from '../../../src/draws/index.js';
import { DRAND_FIXTURE } from './helpers.js';

describe('drand quicknet', () => {
  it('the fixture is the quicknet chain pinned in the code', () => {
    expect(DRAND_FIXTURE.chain_hash).toBe(QUICKNET.chainHash);
    expect(DRAND_FIXTURE.public_key).toBe(QUICKNET.publicKey);
  });

  it('verifies the recorded real round and derives R = SHA-256(signature)', () => {
    expect(verifyDrandSignature(QUICKNET, DRAND_FIXTURE.round, DRAND_FIXTURE.signature)).toBe(true);
    expect(drandRandomness(Buffer.from(DRAND_FIXTURE.signature, 'hex')).toString('hex')).toBe(DRAND_FIXTURE.randomness);
  });

  it('rejects a tampered signature, another round, and garbage', () => {
    const sig = Buffer.from(DRAND_FIXTURE.signature, 'hex');
    sig[20]! ^= 0x01;
    expect(verifyDrandSignature(QUICKNET, DRAND_FIXTURE.round, sig.toString('hex'))).toBe(false);
    expect(verifyDrandSignature(QUICKNET, DRAND_FIXTURE.round + 1, DRAND_FIXTURE.signature)).toBe(false);
    expect(verifyDrandSignature(QUICKNET, DRAND_FIXTURE.round, 'zz')).toBe(false);
    expect(verifyDrandSignature(QUICKNET, DRAND_FIXTURE.round, '00'.repeat(48))).toBe(false);
    expect(verifyDrandSignature({ ...QUICKNET, publicKey: '11'.repeat(96) }, DRAND_FIXTURE.round, DRAND_FIXTURE.signature)).toBe(false);
  });

  it('maps rounds to times and back', () => {
    expect(drandRoundTime(QUICKNET, 1)).toBe(QUICKNET.genesisTime);
    expect(drandRoundTime(QUICKNET, DRAND_FIXTURE.round)).toBe(DRAND_FIXTURE.round_time_unix);
    expect(drandRoundAt(QUICKNET, DRAND_FIXTURE.round_time_unix)).toBe(DRAND_FIXTURE.round);
    expect(drandRoundAt(QUICKNET, DRAND_FIXTURE.round_time_unix + 2)).toBe(DRAND_FIXTURE.round);
    expect(drandRoundAt(QUICKNET, QUICKNET.genesisTime - 1)).toBe(0);
    expect(drandFirstRoundAfter(QUICKNET, DRAND_FIXTURE.round_time_unix)).toBe(DRAND_FIXTURE.round + 1);
    expect(drandFirstRoundAfter(QUICKNET, DRAND_FIXTURE.round_time_unix - 1)).toBe(DRAND_FIXTURE.round);
    expect(() => drandRoundTime(QUICKNET, 0)).toThrow();
  });

  it('refuses a round that is not after the commit time', () => {
    const roundMs = DRAND_FIXTURE.round_time_unix * 1000;
    expect(() => assertDrandRoundAfter(QUICKNET, DRAND_FIXTURE.round, roundMs - 1)).not.toThrow();
    for (const commitMs of [roundMs, roundMs + 1, roundMs + 86_400_000]) {
      expect(() => assertDrandRoundAfter(QUICKNET, DRAND_FIXTURE.round, commitMs)).toThrow(expect.objectContaining({ code: 'drand_round_in_past' }));
    }
    const entries = freezePidEntries([{ pid: Buffer.alloc(32, 1), weight: 1n }]);
    expect(() =>
      buildCommitRecord(
        {
          drawId: 'd',
          rulesHash: '00'.repeat(32),
          freezeTime: new Date(roundMs),
          commitTime: new Date(roundMs),
          prizes: [{ id: 'p', quantity: 1 }],
          reserves: 0,
          maxWins: 1,
          drand: { chainHash: QUICKNET.chainHash, round: DRAND_FIXTURE.round },
          secretCommitment: null,
        },
        entries,
      ),
    ).toThrow(expect.objectContaining({ code: 'drand_round_in_past' }));
  });
});

describe('commit-reveal', () => {
  it('accepts exactly the committed secret', () => {
    const s = Buffer.from('operator secret');
    const h = secretCommitment(s);
    expect(revealMatches(s, h)).toBe(true);
    expect(revealMatches(Buffer.from('operator secreT'), h)).toBe(false);
    expect(revealMatches(Buffer.alloc(0), h)).toBe(false);
    expect(revealMatches(s, h.subarray(0, 31))).toBe(false);
  });
});
