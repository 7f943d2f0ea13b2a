/** One colour per tier rank (bronze → diamond in the reference program), then greys. */
const TIER_COLORS = ['#b07a3f', '#8c959d', '#c9a227', '#3f7fb0', '#6b4fa0', '#555'];

export function tierColor(rank: number): string {
  return TIER_COLORS[Math.min(rank, TIER_COLORS.length - 1)]!;
}
