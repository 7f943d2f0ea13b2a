import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointsToRegain, tierChangeMessage } from '../../../src/messaging/notifications/tier-changes.js';
import { findTier, loadProgramFile, type ProgramDefinition } from '../../../src/program/index.js';
import type { ActivitySummary } from '../../../src/tiers/index.js';

const activity = (qualifyingPoints: number): ActivitySummary => ({ qualifyingPoints, spend: 0, transactionCount: 0, balance: 0 });

describe('tier_downgraded: points to regain', () => {
  let program: ProgramDefinition;
  let diamond: number;
  const change = { id: '7', member_id: 'm1', from_tier: 'diamond', to_tier: 'gold', at: new Date('2026-06-01T00:00:00Z'), joined_at: new Date('2024-02-10T00:00:00Z'), tier_started_at: new Date('2025-01-01T00:00:00Z') };

  beforeAll(async () => {
    program = await loadProgramFile(fileURLToPath(new URL('../../../examples/reference.yaml', import.meta.url)));
    diamond = findTier(program, 'diamond').threshold as number;
  });

  it('is the member’s real gap: the lost tier’s threshold less what the window already holds', () => {
    expect(pointsToRegain(program, 'diamond', activity(1234))).toBe(diamond - 1234);
    expect(tierChangeMessage(program, change, activity(1234))?.vars.pointsToRegain).toBe(diamond - 1234);
  });

  it('is never negative, and the whole threshold with no activity', () => {
    expect(pointsToRegain(program, 'diamond', activity(diamond + 10))).toBe(0);
    expect(pointsToRegain(program, 'diamond', activity(0))).toBe(diamond);
  });

  it('upgrades carry no gap', () => {
    expect(tierChangeMessage(program, { ...change, from_tier: 'gold', to_tier: 'diamond' }, activity(99))?.message).toBe('tier_upgraded');
  });
});
