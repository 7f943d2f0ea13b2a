import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/index.js';
import { createPool } from '../../db/index.js';
import { LaurelError } from '../../errors/index.js';
import type { BadLine, ImportFormat, ImportProgress, ImportReport } from '../../imports/index.js';
import { ProgressBar } from '../progress-bar.js';

interface ImportFlags {
  format?: ImportFormat;
  skipBad?: boolean;
  errors?: string;
}

/** Bad lines printed to stderr; `--errors FILE` lists all of them. */
const PRINTED_BAD_LINES = 20;

/** `laurel import members|events FILE`: bulk import from CSV or NDJSON (optionally gzipped), streamed. */
export function registerImportCommands(program: Command): void {
  const command = program.command('import').description('bulk import members or historic events from CSV or NDJSON (constant memory; idempotent)');
  for (const kind of ['members', 'events'] as const) {
    command
      .command(`${kind} <file>`)
      .description(
        kind === 'members'
          ? 'create or update members (id, email, phone, firstName, locale, timeZone, joinedAt, attributes.*, consent.<channel>.<kind>); no welcome message'
          : 'historic events (memberId, type, occurredAt, amount, orderId, refundId, idempotencyKey, properties.*): decided like live ones, announced to no one',
      )
      .option('--format <format>', 'csv or ndjson (default: from the file name: .csv, .ndjson, .jsonl, each optionally .gz)', parseFormat)
      .option('--skip-bad', 'import the good lines and report the bad ones (without it, a file with a bad line imports nothing)')
      .option('--errors <file>', 'write every bad line (line, code, message) to this file as NDJSON')
      .action(async (file: string, flags: ImportFlags) => {
        process.exitCode = await runImport(kind, resolve(file), flags);
      });
  }
}

function parseFormat(value: string): ImportFormat {
  if (value !== 'csv' && value !== 'ndjson') throw new InvalidArgumentError('expected csv or ndjson');
  return value;
}

async function runImport(kind: 'members' | 'events', file: string, flags: ImportFlags): Promise<number> {
  const { formatOfFileName, importEvents, importMembers } = await import('../../imports/index.js');
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new LaurelError('file_unreadable', `cannot read ${file}: ${(err as Error).message}`);
  }
  const format = flags.format ?? formatOfFileName(file);
  if (!format) throw new LaurelError('unknown_format', `cannot tell the format of ${file} from its name: pass --format csv or --format ndjson`);
  const bar = new ProgressBar(`import ${kind}`);
  let bytesRead = 0;
  let progress: ImportProgress = { lines: 0, imported: 0, unchanged: 0, badCount: 0, phase: flags.skipBad ? 'importing' : 'checking' };
  const draw = (force = false) =>
    bar.update(bytesRead, size, `${progress.phase} ${progress.lines.toLocaleString('en-US')} lines, ${progress.imported.toLocaleString('en-US')} imported, ${progress.unchanged.toLocaleString('en-US')} unchanged, ${progress.badCount} bad`, force);
  const open = (): Readable => {
    bytesRead = 0;
    const counted = new PassThrough();
    counted.on('data', (chunk: Buffer) => {
      bytesRead += chunk.length;
      draw();
    });
    const raw = createReadStream(file);
    raw.on('error', (err) => counted.destroy(err));
    // Bytes are counted before decompression: the bar follows the file on disk.
    raw.pipe(counted);
    return file.endsWith('.gz') ? counted.pipe(createGunzip()) : counted;
  };

  const config = loadConfig();
  const pool = createPool(config.databaseUrl ?? `postgres://laurel@127.0.0.1:${config.devPorts.postgres}/laurel`, 4);
  const errors = flags.errors ? createWriteStream(flags.errors) : undefined;
  let report: ImportReport;
  try {
    const onProgress = (p: ImportProgress) => {
      progress = p;
      draw();
    };
    const onBad = errors ? (bad: BadLine) => errors.write(`${JSON.stringify(bad)}\n`) : undefined;
    report =
      kind === 'members'
        ? await importMembers(pool, open, { format, skipBad: flags.skipBad ?? false, onProgress, onBad, actor: 'cli' })
        : await importEvents(pool, open, { format, skipBad: flags.skipBad ?? false, onProgress, onBad });
    progress = { ...progress, lines: report.lines, imported: report.imported, unchanged: report.unchanged, badCount: report.badCount };
    draw(true);
    bar.finish();
  } finally {
    await pool.end();
    if (errors) await new Promise<void>((done, fail) => errors.end((err?: Error | null) => (err ? fail(err) : done())));
  }
  for (const bad of report.bad.slice(0, PRINTED_BAD_LINES)) process.stderr.write(`line ${bad.line}: ${bad.code}: ${bad.message}\n`);
  if (report.badCount > PRINTED_BAD_LINES) process.stderr.write(`… and ${report.badCount - PRINTED_BAD_LINES} more bad lines${flags.errors ? ` (all in ${flags.errors})` : ' (--errors FILE lists them all)'}\n`);
  const counts = `${report.lines.toLocaleString('en-US')} lines: ${report.imported.toLocaleString('en-US')} imported, ${report.unchanged.toLocaleString('en-US')} unchanged, ${report.badCount.toLocaleString('en-US')} bad`;
  process.stdout.write(`${JSON.stringify({ ...report, bad: undefined })}\n`);
  const usage = process.resourceUsage();
  const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  process.stderr.write(`laurel: import ${kind} ${file}: ${counts}; peak RSS ${Math.round(usage.maxRSS / 1024)} MB, CPU ${cpu.toFixed(1)} s\n`);
  if (report.stopped) {
    process.stderr.write(
      report.imported > 0
        ? `laurel: stopped at line ${report.stoppedAtLine}; the lines before it were imported: fix the file and run again (what was imported is not imported twice), or pass --skip-bad\n`
        : `laurel: nothing imported: fix the bad lines, or pass --skip-bad to import the others\n`,
    );
    return 1;
  }
  return 0;
}
