import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, nextAuditEntry, verifyAuditChain, type AuditLogEntry } from '../../../src/draws/index.js';

function chain(bodies: unknown[]): AuditLogEntry[] {
  const out: AuditLogEntry[] = [];
  bodies.forEach((body, i) => out.push(nextAuditEntry('d1', out[out.length - 1], `kind${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)), body)));
  return out;
}

describe('the hash-chained audit log', () => {
  it('canonical JSON sorts keys at every level and is independent of insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('links each entry to the previous hash and verifies', () => {
    const log = chain([{ a: 1 }, { b: 2 }, { c: 3 }]);
    expect(log[0]!.prevHash).toBeNull();
    expect(log[1]!.prevHash).toBe(log[0]!.hash);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(verifyAuditChain(log)).toEqual({ ok: true, head: log[2]!.hash });
    expect(verifyAuditChain([])).toEqual({ ok: true, head: null });
  });

  it('detects any edited body, kind or time; a dropped, swapped or relinked entry', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 2, maxLength: 8 }), fc.nat(), (bodies, pick) => {
        const log = chain(bodies);
        const i = pick % log.length;
        const edited = log.map((e, j) => (j === i ? { ...e, body: { tampered: e.body } } : e));
        expect(verifyAuditChain(edited)).toMatchObject({ ok: false, seq: i + 1, code: 'audit_log_tampered' });
        const retimed = log.map((e, j) => (j === i ? { ...e, at: '2030-01-01T00:00:00.000Z' } : e));
        expect(verifyAuditChain(retimed)).toMatchObject({ ok: false, code: 'audit_log_tampered' });
      }),
    );
    const log = chain([1, 2, 3, 4]);
    expect(verifyAuditChain([log[0]!, log[2]!, log[3]!])).toMatchObject({ ok: false, seq: 3, code: 'audit_log_broken' });
    expect(verifyAuditChain([log[1]!, log[0]!])).toMatchObject({ ok: false, code: 'audit_log_broken' });
    // Re-hashing an edited entry does not help: the next entry still pins the old hash.
    const rehashed = chain([1, 'edited', 3, 4]);
    expect(verifyAuditChain([log[0]!, rehashed[1]!, log[2]!, log[3]!])).toMatchObject({ ok: false, seq: 3, code: 'audit_log_broken' });
  });
});
