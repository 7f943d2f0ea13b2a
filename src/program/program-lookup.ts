import { NotFoundError } from '../errors/index.js';
import type { ProgramDefinition, Tier } from './schema.js';

/** Rank of a tier: its position in the ordered list, 0 = base tier. */
export function tierRank(program: ProgramDefinition, tierId: string): number {
  const rank = program.tiers.findIndex((t) => t.id === tierId);
  if (rank < 0) throw new NotFoundError('tier_not_found', `program ${program.id} has no tier "${tierId}"`, { tierId });
  return rank;
}

export function tierAt(program: ProgramDefinition, rank: number): Tier {
  const tier = program.tiers[rank];
  if (!tier) throw new NotFoundError('tier_not_found', `program ${program.id} has no tier at rank ${rank}`, { rank });
  return tier;
}

export function findTier(program: ProgramDefinition, tierId: string): Tier {
  return tierAt(program, tierRank(program, tierId));
}

export function baseTier(program: ProgramDefinition): Tier {
  return tierAt(program, 0);
}
