import { ValidationError } from '../errors/index.js';

export interface PrizeSpec {
  id: string;
  quantity: number;
}

/** One place to fill: a unit of a prize, or a reserve (runner-up) rank. */
export interface Slot {
  slot: number;
  kind: 'prize' | 'reserve';
  prizeId: string | null;
  reserveRank: number | null;
}

/** Slots = the prizes in their published order, each repeated by its quantity, then the reserves. */
export function expandSlots(prizes: readonly PrizeSpec[], reserves: number): Slot[] {
  const slots: Slot[] = [];
  for (const p of prizes) {
    if (!Number.isSafeInteger(p.quantity) || p.quantity < 1) {
      throw new ValidationError('invalid_prize', `prize ${p.id} needs a quantity of at least 1`);
    }
    for (let q = 0; q < p.quantity; q++) slots.push({ slot: slots.length, kind: 'prize', prizeId: p.id, reserveRank: null });
  }
  if (!Number.isSafeInteger(reserves) || reserves < 0) throw new ValidationError('invalid_reserves', 'reserves must be a non-negative integer');
  for (let r = 1; r <= reserves; r++) slots.push({ slot: slots.length, kind: 'reserve', prizeId: null, reserveRank: r });
  return slots;
}
