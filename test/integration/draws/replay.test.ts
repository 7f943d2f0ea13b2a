import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';

// Histories of drawWorkflow recorded from real runs (RECORD_HISTORIES=1 with the draws
// integration tests): a commit-reveal draw across a worker restart with a wrong secret first,
// and a drand draw. A non-deterministic change to workflows/draw.ts fails here: it needs
// `patched()` before it ships, since a draw in flight must resume to the same winners.
const DIR = join(PROJECT_ROOT, 'test/fixtures/histories');
const EXPECTED = ['draw-commit-reveal', 'draw-drand'];

describe('drawWorkflow replays its recorded histories deterministically', () => {
  const files = readdirSync(DIR).filter((f) => /^draw-[\w-]+\.json$/.test(f));

  it('has a history for each recorded draw', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(EXPECTED);
  });

  it('replays every history without a determinism error', async () => {
    const histories = files.map((f) => ({
      workflowId: f.replace(/\.json$/, ''),
      history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: inject('workflowBundle'), replayName: 'draws-replay' }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results).toHaveLength(EXPECTED.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
