// Benchmark of the LAUREL-DRAW-v1 core at scale:
// `node --import tsx bench/draw.ts [--members N] [--prizes K] [--threads T] [--gzip]` (T = 1: no worker threads).
import { hash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntryInput, FrozenEntries } from '../src/draws/index.js';
import {
  buildCommitRecord,
  DrawWorkerPool,
  entriesRoot,
  entriesRootParallel,
  freezeEntries,
  freezeEntriesParallel,
  openLeavesStream,
  PID_BYTES,
  QUICKNET,
  secretCommitment,
  verifyDraw,
  writeDrawFiles,
} from '../src/draws/index.js';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} needs a non-negative integer`);
  return v;
}

const members = argValue('--members', 10_000_000);
const prizes = argValue('--prizes', 100);
const gzip = process.argv.includes('--gzip');
const threads = argValue('--threads', availableParallelism());

/** Deterministic weights 1..100 (xorshift32), so runs are comparable. */
function* memberSource(n: number): Generator<EntryInput> {
  let x = 0x9e3779b9;
  const entry = { memberId: '', weight: 0 };
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    entry.memberId = `member-${i}`;
    entry.weight = ((x >>> 0) % 100) + 1;
    yield entry;
  }
}

/** Native SHA-256 over the same 49-byte leaf messages, one call each: the baseline for the Merkle phase. */
function rawLeafHashing(entries: FrozenEntries): void {
  const msg = Buffer.alloc(49);
  for (let i = 0; i < entries.count; i++) {
    entries.pids.copy(msg, 1, i * PID_BYTES, (i + 1) * PID_BYTES);
    msg.writeBigUInt64BE(entries.weightAt(i), 33);
    msg.writeBigUInt64BE(entries.startAt(i), 41);
    hash('sha256', msg, 'buffer');
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const fixture = JSON.parse(await readFile(new URL('../test/fixtures/draws/drand-quicknet-round.json', import.meta.url), 'utf8')) as {
    round: number;
    signature: string;
  };
  const times: Record<string, number> = {};
  /** CPU time of the whole process (worker threads included): wall time alone misleads on a loaded machine. */
  const cpu: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const result = await fn();
    times[name] = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu[name] = (c.user + c.system) / 1000;
    process.stderr.write(`${name}: ${seconds(times[name])} (cpu ${seconds(cpu[name])})\n`);
    return result;
  };
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stderr.write(`members=${members} prizes=${prizes} threads=${threads} cores=${cpus().length} (${cpus()[0]?.model ?? '?'}) load=${load} node=${process.version}\n`);

  const drawKey = Buffer.alloc(32, 7);
  const pool = threads > 1 ? new DrawWorkerPool(threads) : null;
  const entries = await phase('freeze', async () => (pool ? (await freezeEntriesParallel(pool, drawKey, memberSource(members), members)).entries : freezeEntries(drawKey, memberSource(members), members)));
  const root = await phase('merkle', () => (pool ? entriesRootParallel(pool, entries) : entriesRoot(entries)));
  await pool?.close();
  await phase('raw_sha256', () => rawLeafHashing(entries));

  const secret = Buffer.from('bench operator secret', 'utf8');
  // Commit just before quicknet round 123 (the recorded fixture) so its real signature is usable.
  const commitTime = new Date((QUICKNET.genesisTime + 121 * QUICKNET.period) * 1000);
  const commit = buildCommitRecord(
    {
      drawId: 'bench-draw',
      rulesHash: hash('sha256', 'bench rules'),
      freezeTime: commitTime,
      commitTime,
      prizes: [{ id: 'prize', quantity: prizes }],
      reserves: 0,
      maxWins: 1,
      drand: { chainHash: QUICKNET.chainHash, round: fixture.round },
      secretCommitment: secretCommitment(secret).toString('hex'),
    },
    entries,
    root,
  );

  const dir = await mkdtemp(join(tmpdir(), 'laurel-draw-bench-'));
  try {
    const written = await phase('draw_and_write', () =>
      writeDrawFiles(dir, { commit, entries, reveal: { drand: { round: fixture.round, signature: fixture.signature }, secret }, prevAuditHash: null }, { gzip }),
    );
    const leavesBytes = (await stat(written.leavesPath)).size;
    const result = await phase('verify', async () => {
      const record = JSON.parse(await readFile(written.recordPath, 'utf8')) as unknown;
      return verifyDraw(record, openLeavesStream(written.leavesPath));
    });
    if (!result.ok) throw new Error(`verification failed: ${result.code}: ${result.message}`);

    const total = Object.entries(times).filter(([k]) => k !== 'raw_sha256').reduce((s, [, v]) => s + v, 0);
    const ratio = times.raw_sha256! / times.merkle!;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const lines = [
      `machine            ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average at start ${load}, ${threads} thread(s)`,
      `members            ${members}`,
      `entries (N)        ${entries.count}`,
      `tickets (T)        ${entries.total}`,
      `root               ${root.toString('hex')}`,
      `winners            ${result.summary.winners.length} (counters used ${result.summary.countersUsed})`,
      `leaves file        ${(leavesBytes / 1e6).toFixed(1)} MB${gzip ? ' (gzip)' : ''}`,
      `freeze             ${seconds(times.freeze!)}  (cpu ${seconds(cpu.freeze!)}; pid HMACs + sort + blocks)`,
      `merkle             ${seconds(times.merkle!)}  (cpu ${seconds(cpu.merkle!)})`,
      `raw sha256 leaves  ${seconds(times.raw_sha256!)}  (native, one call per leaf)`,
      `merkle ratio       ${ratio.toFixed(2)}  (raw leaf hashing / merkle; goal >= 0.5)`,
      `draw + write       ${seconds(times.draw_and_write!)}  (cpu ${seconds(cpu.draw_and_write!)}; ${prizes} prizes; leaves serialized, hashed, written)`,
      `verify             ${seconds(times.verify!)}  (cpu ${seconds(cpu.verify!)}; from the files: hash, parse, root, drand BLS, replay)`,
      `total              ${seconds(total)}  (goal < 60 s; excludes the raw baseline)`,
      `peak RSS           ${peakRssMb.toFixed(0)} MB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
