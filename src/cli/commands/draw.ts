import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { createPool } from '../../db/index.js';
import { exportDraw } from '../../journeys/draws/index.js';
import { LaurelError } from '../../errors/index.js';
import type { DrawAuditRecord, DrawSummary } from '../../draws/index.js';
import { DrawAuditRecordSchema, openLeavesStream, readJsonFile, verifyDraw, verifyMemberProof } from '../../draws/index.js';

export { buildDrawFiles, writeDrawFiles } from '../../draws/index.js';

interface VerifyFlags {
  record: string;
  leaves: string;
  memberProof?: string;
  fetchDrand?: string;
}

/** `laurel draw …`: export and offline verification of published draws. */
export function registerDrawCommands(program: Command): void {
  const draw = program.command('draw').description('prize draws (LAUREL-DRAW-v1)');
  draw
    .command('verify')
    .description('recompute a published draw from its audit record and leaves file; prints OK or the first mismatch')
    .requiredOption('--record <file>', 'the audit record (draw.json)')
    .requiredOption('--leaves <file>', 'the leaves file (.ndjson or .ndjson.gz)')
    .option('--member-proof <file>', "also check a member's inclusion proof against the record's root")
    .option('--fetch-drand <url>', 're-fetch the drand round from this relay (e.g. https://api.drand.sh) and compare')
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await runDrawVerify(flags, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
    });
  draw
    .command('export <id>')
    .description('write draw.json, leaves.ndjson[.gz] and audit-log.json of a drawn draw from the database (DATABASE_URL, else the dev stack)')
    .option('--out <dir>', 'directory to write into', '.')
    .option('--gzip', 'write leaves.ndjson.gz instead of leaves.ndjson')
    .action(async (id: string, flags: { out: string; gzip?: boolean }) => {
      const config = loadConfig();
      const pool = createPool(config.databaseUrl ?? `postgres://laurel@127.0.0.1:${config.devPorts.postgres}/laurel`, 4);
      try {
        const out = await exportDraw(pool, id, resolve(flags.out), { gzip: flags.gzip ?? false });
        process.stdout.write(`${out.recordPath}\n${out.leavesPath}\n${out.auditLogPath}\nleaves sha256 ${out.leavesSha256}\n`);
      } finally {
        await pool.end();
      }
    });
}

/** The `draw verify` command body; returns the exit code. */
export async function runDrawVerify(flags: VerifyFlags, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const recordJson = await readJsonFile(flags.record, 'audit record');
  let size: number;
  try {
    size = statSync(flags.leaves).size;
  } catch (e) {
    throw new LaurelError('file_unreadable', `cannot read leaves file ${flags.leaves}: ${(e as Error).message}`, { cause: e });
  }
  const showProgress = size > 50_000_000;
  const result = await verifyDraw(recordJson, openLeavesStream(flags.leaves), {
    onProgress: showProgress ? (lines, bytes) => err(`verify: ${lines.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(0)} MB read`) : undefined,
  });
  if (!result.ok) {
    out(`MISMATCH ${result.code}: ${result.message}`);
    return 1;
  }
  for (const line of formatSummary(result.summary)) out(line);
  const record = DrawAuditRecordSchema.parse(recordJson);

  if (flags.fetchDrand) {
    const problem = await compareWithRelay(record, flags.fetchDrand);
    if (problem) {
      out(`MISMATCH ${problem.code}: ${problem.message}`);
      return 1;
    }
    out(`drand    round ${String(record.evidence.drand?.round)} matches ${flags.fetchDrand}`);
  }
  if (flags.memberProof) {
    const proof = verifyMemberProof(await readJsonFile(flags.memberProof, 'member proof'), record.commit);
    if (!proof.ok) {
      out(`MISMATCH ${proof.code}: ${proof.message}`);
      return 1;
    }
    const p = proof.proof;
    const won = record.slots.filter((s) => s.winner?.pid === p.pid).map((s) => s.slot);
    out(`member   pid ${p.pid} is entry ${p.index} with tickets [${p.start}, ${BigInt(p.start) + BigInt(p.w)}): inclusion proof OK`);
    out(`         ${won.length > 0 ? `won slot(s) ${won.join(', ')}` : 'did not win'}`);
  }
  return 0;
}

export function formatSummary(s: DrawSummary): string[] {
  const lines = [
    `OK LAUREL-DRAW-v1 draw ${s.drawId}`,
    `N        ${s.n}`,
    `T        ${s.t}`,
    `root     ${s.root}`,
    `seed     ${s.seed}`,
    `leaves   sha256 ${s.leavesSha256}`,
    `counters ${s.countersUsed}`,
    `winners  ${s.winners.length}${s.emptySlots > 0 ? ` (${s.emptySlots} slot(s) left empty: no entry could still win)` : ''}`,
  ];
  for (const w of s.winners) {
    const label = w.kind === 'prize' ? `prize ${String(w.prizeId)}` : `reserve ${String(w.reserveRank)}`;
    lines.push(`  slot ${w.slot} ${label}: pid ${w.pid} (ticket ${w.t})`);
  }
  return lines;
}

async function compareWithRelay(record: DrawAuditRecord, relay: string): Promise<{ code: string; message: string } | null> {
  const evidence = record.evidence.drand;
  if (!evidence) return { code: 'drand_not_used', message: 'the record uses no drand round to re-fetch' };
  const url = `${relay.replace(/\/+$/, '')}/${evidence.chain_hash}/public/${evidence.round}`;
  let body: unknown;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (e) {
    throw new LaurelError('drand_fetch_failed', `cannot fetch ${url}: ${(e as Error).message}`, { cause: e });
  }
  const fetched = body as { round?: unknown; signature?: unknown };
  if (fetched.round !== evidence.round || fetched.signature !== evidence.signature) {
    return { code: 'drand_fetch_mismatch', message: `${url} serves a different signature for round ${evidence.round} than the record` };
  }
  return null;
}
