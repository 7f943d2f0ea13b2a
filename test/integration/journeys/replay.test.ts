import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/cli/runtime.js';

// Histories recorded from real runs (RECORD_HISTORIES=1 with the journeys integration tests).
// Replaying them against today's workflow code fails on any non-deterministic change: such a
// change needs `patched()` (or a new workflow type) before it ships.
const DIR = join(PROJECT_ROOT, 'test/fixtures/histories');
const OURS = /^(mission|contest|expiry|tier-review|winback|journey|date-journeys)[\w-]*\.json$/;
const EXPECTED = [
  'mission-completed',
  'mission-deadline',
  'mission-expired',
  'contest',
  'expiry-sweep',
  'tier-review',
  // Recorded before the review announced its tier changes (behind patched('announce-review-tier-changes')).
  'tier-review-before-facts',
  'winback-regained',
  'winback-regained-by-ledger',
  'winback-lapsed',
  'journey-completed',
  'journey-converted',
  'journey-inactive',
  // Recorded before the hourly run rewarded referrals (behind patched('date-sweep-rewards-referrals')).
  'date-journeys',
  'date-journeys-referrals',
];

describe('journey workflows replay their recorded histories deterministically', () => {
  const files = readdirSync(DIR).filter((f) => OURS.test(f));

  it('has a history for each journey workflow type and outcome', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...EXPECTED].sort());
  });

  it('replays every history without a determinism error', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Record<string, unknown>) }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: inject('workflowBundle'), replayName: 'journeys-replay' }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : undefined });
    }
    expect(results).toHaveLength(EXPECTED.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});
