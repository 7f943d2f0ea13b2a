import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from '../../db/index.js';
import { writeLeavesFile } from '../../draws/index.js';
import { ConflictError, LaurelError } from '../../errors/index.js';
import { auditLog, getDraw, loadEntries } from './store.js';

export interface ExportedDraw {
  recordPath: string;
  leavesPath: string;
  auditLogPath: string;
  leavesSha256: string;
}

/**
 * Writes a drawn draw's published files from the database: `draw.json` (the audit record),
 * `leaves.ndjson[.gz]` and `audit-log.json` (the hash chain). The leaves are rebuilt from the
 * stored entries and must hash to what the record says.
 */
export async function exportDraw(pool: Pool, drawId: string, dir: string, options: { gzip?: boolean } = {}): Promise<ExportedDraw> {
  const draw = await getDraw(pool, drawId);
  if (!draw.audit || !draw.commit) throw new ConflictError('draw_not_drawn', `draw ${drawId} is ${draw.status}: only a drawn draw can be exported`, { drawId, drawStatus: draw.status });
  await mkdir(dir, { recursive: true });
  const entries = await loadEntries(pool, drawId, draw.commit.entries.n, BigInt(draw.commit.entries.t));
  const leavesPath = join(dir, options.gzip ? 'leaves.ndjson.gz' : 'leaves.ndjson');
  const leavesSha256 = await writeLeavesFile(leavesPath, entries, options.gzip ?? false);
  if (leavesSha256 !== draw.audit.leaves.sha256) {
    throw new LaurelError('draw_tamper_detected', `the stored entries of draw ${drawId} hash to ${leavesSha256}, the audit record says ${draw.audit.leaves.sha256}`, { status: 500 });
  }
  const recordPath = join(dir, 'draw.json');
  await writeFile(recordPath, `${JSON.stringify(draw.audit, null, 2)}\n`);
  const auditLogPath = join(dir, 'audit-log.json');
  await writeFile(auditLogPath, `${JSON.stringify(await auditLog(pool, drawId), null, 2)}\n`);
  return { recordPath, leavesPath, auditLogPath, leavesSha256 };
}
