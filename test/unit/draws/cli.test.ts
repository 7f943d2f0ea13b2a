import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDrawCommands, runDrawVerify } from '../../../src/cli/commands/draw.js';
import type { DrawAuditRecord } from '../../../src/draws/index.js';
import { buildCommitRecord, buildMemberProof, entriesRoot, freezeEntries, QUICKNET, secretCommitment, writeDrawFiles } from '../../../src/draws/index.js';
import { COMMIT_TIME, DRAND_FIXTURE } from './helpers.js';

let dir: string;
let paths: { record: DrawAuditRecord; recordPath: string; leavesPath: string };
const entries = freezeEntries(Buffer.alloc(32, 3), Array.from({ length: 40 }, (_, i) => ({ memberId: `m${i}`, weight: i + 1 })));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'laurel-draw-cli-'));
  const secret = Buffer.from('cli secret');
  const commit = buildCommitRecord(
    {
      drawId: 'cli-draw',
      rulesHash: 'cd'.repeat(32),
      freezeTime: COMMIT_TIME,
      commitTime: COMMIT_TIME,
      prizes: [{ id: 'gold', quantity: 2 }],
      reserves: 1,
      maxWins: 1,
      drand: { chainHash: QUICKNET.chainHash, round: DRAND_FIXTURE.round },
      secretCommitment: secretCommitment(secret).toString('hex'),
    },
    entries,
    entriesRoot(entries),
  );
  paths = await writeDrawFiles(
    dir,
    { commit, entries, reveal: { drand: { round: DRAND_FIXTURE.round, signature: DRAND_FIXTURE.signature }, secret }, prevAuditHash: null },
    { gzip: true },
  );
  await writeFile(join(dir, 'proof.json'), JSON.stringify(buildMemberProof(commit, entries, 7)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(flags: Parameters<typeof runDrawVerify>[0]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runDrawVerify(flags, (l) => out.push(l), () => undefined);
  return { code, out };
}

describe('laurel draw verify', () => {
  it('prints OK and a summary for an honest draw (gzip leaves)', async () => {
    const { code, out } = await run({ record: paths.recordPath, leaves: paths.leavesPath });
    expect(code).toBe(0);
    expect(out[0]).toBe('OK LAUREL-DRAW-v1 draw cli-draw');
    expect(out.join('\n')).toContain(`root     ${paths.record.commit.entries.root}`);
    expect(out.join('\n')).toContain('winners  3');
  });

  it('checks a member proof', async () => {
    const { code, out } = await run({ record: paths.recordPath, leaves: paths.leavesPath, memberProof: join(dir, 'proof.json') });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/entry 7 with tickets \[\d+, \d+\): inclusion proof OK/);
    const proof = JSON.parse(await readFile(join(dir, 'proof.json'), 'utf8')) as { w: string };
    proof.w = String(Number(proof.w) + 1);
    await writeFile(join(dir, 'bad-proof.json'), JSON.stringify(proof));
    const bad = await run({ record: paths.recordPath, leaves: paths.leavesPath, memberProof: join(dir, 'bad-proof.json') });
    expect(bad.code).toBe(1);
    expect(bad.out.at(-1)).toMatch(/^MISMATCH member_proof_invalid: /);
  });

  it('prints the first mismatch and exits 1', async () => {
    const record = JSON.parse(await readFile(paths.recordPath, 'utf8')) as DrawAuditRecord;
    record.slots[0]!.winner!.t = '0';
    const tampered = join(dir, 'tampered.json');
    await writeFile(tampered, JSON.stringify(record));
    const { code, out } = await run({ record: tampered, leaves: paths.leavesPath });
    expect(code).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^MISMATCH slot_mismatch: /);
  });

  it('compares with a drand relay when asked', async () => {
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(JSON.stringify({ round: DRAND_FIXTURE.round, signature: DRAND_FIXTURE.signature })));
    try {
      const ok = await run({ record: paths.recordPath, leaves: paths.leavesPath, fetchDrand: 'https://relay.example' });
      expect(ok.code).toBe(0);
      expect(fetchMock).toHaveBeenCalledWith(`https://relay.example/${QUICKNET.chainHash}/public/${DRAND_FIXTURE.round}`, expect.anything());
      fetchMock.mockResolvedValue(new Response(JSON.stringify({ round: DRAND_FIXTURE.round, signature: '00'.repeat(48) })));
      const bad = await run({ record: paths.recordPath, leaves: paths.leavesPath, fetchDrand: 'https://relay.example' });
      expect(bad.code).toBe(1);
      expect(bad.out.at(-1)).toMatch(/^MISMATCH drand_fetch_mismatch/);
    } finally {
      fetchMock.mockRestore();
    }
  });

  it('is registered as `draw verify` on a commander program and sets the exit code', async () => {
    const program = new Command('laurel').exitOverride();
    registerDrawCommands(program);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program.parseAsync(['draw', 'verify', '--record', paths.recordPath, '--leaves', paths.leavesPath], { from: 'user' });
      expect(process.exitCode).toBe(0);
      expect(String(write.mock.calls[0]?.[0])).toContain('OK LAUREL-DRAW-v1');
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
    }
  });
});
