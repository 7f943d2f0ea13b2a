import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freezeEntries, KNOWN_DRAND_CHAINS, verifyDraw, buildMemberProof, type DrawAuditRecord } from '../../../src/draws/index.js';
import { clone, makeDraw } from '../../../test/unit/draws/helpers.js';
import { verifyDrawInBrowser } from '../../src/draw/verify/verify-draw.js';
import { checkMemberProof } from '../../src/draw/verify/member-proof.js';

/**
 * The draw page's verifier (Web Crypto + @noble/curves, run here on Node's Web Crypto) must reach
 * the same verdict as `laurel draw verify` on honest and tampered files: same ok, same code, same
 * message, so an auditor sees the same first mismatch in the browser as on the command line.
 */
const members = Array.from({ length: 37 }, (_, i) => ({ memberId: `m-${i}`, weight: (i % 5) + 1 }));
const entries = freezeEntries(Buffer.alloc(32, 7), members);
const withDrand = makeDraw(entries, { prizes: [{ id: 'gold', quantity: 1 }, { id: 'silver', quantity: 2 }], reserves: 1, maxWins: 1 });
const secretOnly = makeDraw(entries, { drand: false, drawId: 'secret-only', maxWins: 2, prizes: [{ id: 'p', quantity: 5 }] });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const lines = (b: Buffer) => b.toString('latin1').split('\n').slice(0, -1);
const joinLines = (ls: string[]) => Buffer.from(ls.map((l) => `${l}\n`).join(''), 'latin1');
const forge = (record: DrawAuditRecord, leaves: Buffer) => {
  const r = clone(record);
  r.leaves.sha256 = sha(leaves);
  return r;
};

type Case = { name: string; record: unknown; leaves: Buffer };

function cases(): Case[] {
  const { record, leaves } = withDrand;
  const ls = lines(leaves);
  const out: Case[] = [
    { name: 'honest draw with drand and a secret', record, leaves },
    { name: 'honest draw with a secret only, max_wins 2', record: secretOnly.record, leaves: secretOnly.leaves },
  ];
  const r1 = clone(record);
  r1.leaves.sha256 = 'ff'.repeat(32);
  out.push({ name: 'wrong leaves hash', record: r1, leaves });
  const weightChanged = [...ls];
  weightChanged[3] = weightChanged[3]!.replace(/"w":"(\d+)"/, (_m, w: string) => `"w":"${Number(w) + 1}"`);
  out.push({ name: 'a weight changed (hash forged)', record: forge(record, joinLines(weightChanged)), leaves: joinLines(weightChanged) });
  const swapped = [...ls];
  [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
  out.push({ name: 'two lines swapped (hash forged)', record: forge(record, joinLines(swapped)), leaves: joinLines(swapped) });
  const dropped = ls.slice(0, -1);
  out.push({ name: 'last entry dropped (hash forged)', record: forge(record, joinLines(dropped)), leaves: joinLines(dropped) });
  const noNewline = leaves.subarray(0, leaves.length - 1);
  out.push({ name: 'no final newline (hash forged)', record: forge(record, noNewline), leaves: noNewline });
  const seed = clone(record);
  seed.seed = '00'.repeat(32);
  out.push({ name: 'seed replaced', record: seed, leaves });
  const secret = clone(record);
  secret.evidence.secret = 'abcd';
  out.push({ name: 'another secret', record: secret, leaves });
  const signature = clone(record);
  signature.evidence.drand!.signature = `${signature.evidence.drand!.signature.slice(0, -2)}00`;
  out.push({ name: 'drand signature altered', record: signature, leaves });
  const randomness = clone(record);
  randomness.evidence.drand!.randomness = '11'.repeat(32);
  out.push({ name: 'drand randomness altered', record: randomness, leaves });
  const step = clone(record);
  step.steps[0]!.x = '1';
  out.push({ name: 'first step x altered', record: step, leaves });
  const extra = clone(record);
  extra.steps.push({ ...extra.steps[extra.steps.length - 1]!, c: extra.steps.length + 1 });
  out.push({ name: 'a step added', record: extra, leaves });
  const missing = clone(record);
  missing.steps.pop();
  out.push({ name: 'the last step removed', record: missing, leaves });
  const winner = clone(record);
  winner.slots[0]!.winner!.pid = winner.slots[1]!.winner!.pid;
  out.push({ name: 'a winner replaced', record: winner, leaves });
  const algorithm = clone(record) as unknown as { commit: { algorithm: string } };
  algorithm.commit.algorithm = 'LAUREL-DRAW-v2';
  out.push({ name: 'another algorithm', record: algorithm, leaves });
  const malformed = clone(record) as unknown as Record<string, unknown>;
  delete malformed.seed;
  out.push({ name: 'a malformed record', record: malformed, leaves });
  return out;
}

describe('the draw page verifier agrees with laurel draw verify', () => {
  for (const c of cases()) {
    it(c.name, async () => {
      const cli = await verifyDraw(c.record, [c.leaves]);
      const page = await verifyDrawInBrowser(c.record, new Uint8Array(c.leaves), { chains: KNOWN_DRAND_CHAINS });
      if (cli.ok) {
        expect(page.ok, page.ok ? '' : `${page.code}: ${page.message}`).toBe(true);
        if (page.ok) {
          expect(page.summary.root).toBe(cli.summary.root);
          expect(page.summary.winners.map((w) => w.pid)).toEqual(cli.summary.winners.map((w) => w.pid));
        }
      } else {
        expect(page).toMatchObject({ ok: false, code: cli.code, message: cli.message });
      }
    });
  }
});

describe('member inclusion proofs in the page', () => {
  it('accepts every real proof and refuses a changed one', async () => {
    const commit = withDrand.record.commit;
    for (const index of [0, 1, 17, entries.count - 1]) {
      const proof = buildMemberProof(commit, entries, index);
      expect(await checkMemberProof(proof, commit)).toMatchObject({ ok: true });
      const changed = { ...proof, w: String(BigInt(proof.w) + 1n) };
      expect(await checkMemberProof(changed, commit)).toMatchObject({ ok: false, code: 'member_proof_invalid' });
    }
    expect(await checkMemberProof({ nope: true }, commit)).toMatchObject({ ok: false, code: 'member_proof_malformed' });
  });
});
