import { ValidationError } from '../../errors/index.js';

/**
 * floor(a x b / c) for non-negative safe integers, computed in bigint so the intermediate product
 * can exceed 2^53 (points x refund amount easily does). Throws when the result is not a safe integer.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  assertSafeInteger(a, 'a');
  assertSafeInteger(b, 'b');
  assertSafeInteger(c, 'c');
  if (c <= 0) throw new RangeError('mulDivFloor: divisor must be positive');
  if (a < 0 || b < 0) throw new RangeError('mulDivFloor: operands must be non-negative');
  const result = (BigInt(a) * BigInt(b)) / BigInt(c);
  return toSafeNumber(result);
}

export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ValidationError('points_overflow', 'a points or money value exceeds the safe integer range');
  }
  return Number(value);
}

export function assertSafeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

export function checkedAdd(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new ValidationError('points_overflow', 'a points value exceeds the safe integer range');
  return sum;
}
