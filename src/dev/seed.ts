import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey, findApiKey } from '../auth/index.js';
import type { Pool } from '../db/index.js';
import { loadProgramFile } from '../program/index.js';
import { publishProgram } from '../program/store.js';

/**
 * What a fresh `npm start` needs to be usable at once: the reference program when none exists, and
 * an admin API key kept in the data folder (dev only; production creates keys with `laurel keys`).
 */
export async function seedDevStack(pool: Pool, projectRoot: string, dataDir: string): Promise<{ programLoaded: string | null; adminKey: string; keyFile: string }> {
  let programLoaded: string | null = null;
  const { rowCount } = await pool.query('SELECT 1 FROM program_versions LIMIT 1');
  if (rowCount === 0) {
    const file = join(projectRoot, 'examples', 'reference.yaml');
    await publishProgram(pool, await loadProgramFile(file), 'laurel dev', 'examples/reference.yaml');
    programLoaded = 'examples/reference.yaml';
  }
  const keyFile = join(dataDir, 'admin.key');
  let adminKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '';
  if (!adminKey || !(await findApiKey(pool, adminKey))) {
    adminKey = (await createApiKey(pool, { role: 'admin', name: 'laurel dev' })).key;
    writeFileSync(keyFile, `${adminKey}\n`, { mode: 0o600 });
  }
  return { programLoaded, adminKey, keyFile };
}
