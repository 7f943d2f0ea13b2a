import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../../src/api/index.js';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';
import { createTestEnv, type TestEnv } from '../../support/test-env.js';
import { apiKey, publishExample } from '../../support/ledger-fixture.js';
import { summarizeSchemathesis } from '../../support/schemathesis-summary.js';

/** Where bootstrap installed Schemathesis (SCHEMATHESIS in .laurel/tools.env, or the env). */
function schemathesisPath(): string {
  if (process.env.SCHEMATHESIS) return process.env.SCHEMATHESIS;
  const file = join(PROJECT_ROOT, '.laurel', 'tools.env');
  const line = existsSync(file) ? readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('SCHEMATHESIS=')) : undefined;
  return line?.slice('SCHEMATHESIS='.length) ?? '';
}

/*
 * In `npm test`: a bounded run (5 cases an operation, the examples and fuzzing phases, a fixed seed,
 * so CI is the same run every time; ~1.5 min). `npm run fuzz:api` (LAUREL_FUZZ=1) is the long
 * version: more cases, a new seed each run (printed), FUZZ_PHASES to add coverage/stateful.
 */
const LONG = process.env.LAUREL_FUZZ === '1';
const EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? (LONG ? 50 : 5));
const SEED = process.env.FUZZ_SEED ?? (LONG ? String(Date.now() % 1_000_000) : '539954');

describe('contract fuzzing with Schemathesis', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let base: string;
  let admin: string;
  let dir: string;

  beforeAll(async () => {
    env = await createTestEnv();
    await publishExample(env, 'reference');
    admin = await apiKey(env, 'admin');
    app = await buildServer(env.ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), 'laurel-fuzz-'));
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`every operation keeps its contract for ${EXAMPLES} generated cases each (all checks)`, async () => {
    const st = schemathesisPath();
    expect(st, 'Schemathesis is installed by scripts/bootstrap --for-tests').not.toBe('');
    const report = join(dir, 'report.json');
    const args = [
      '--config-file', join(PROJECT_ROOT, 'test/fuzz/schemathesis.toml'),
      'run', `${base}/docs/json`,
      '--url', base,
      '--checks', 'all',
      '--header', `Authorization: Bearer ${admin}`,
      '--max-examples', String(EXAMPLES),
      // The coverage phase ignores --max-examples (thousands of cases); npm run fuzz:api can add it.
      '--phases', process.env.FUZZ_PHASES ?? 'examples,fuzzing',
      '--seed', SEED,
      '--workers', '1',
      '--request-timeout', '20',
      '--report', 'json',
      '--report-json-path', report,
      '--no-color',
    ];
    process.stderr.write(`schemathesis: seed ${SEED}, ${EXAMPLES} examples per operation\n`);
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(st, args, { env: { ...process.env, SCHEMATHESIS_HOOKS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      const tee = (d: Buffer) => {
        text += d.toString();
        if (process.env.FUZZ_LOG) process.stderr.write(d);
      };
      child.stdout.on('data', tee);
      child.stderr.on('data', tee);
      child.on('close', (code) => resolve({ code, text }));
    });
    process.stderr.write(summarizeSchemathesis(output.text).join('\n') + '\n');
    expect(output.code, output.text.slice(-20_000)).toBe(0);
  }, 1_800_000);
});
