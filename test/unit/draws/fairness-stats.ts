// Statistics for the fairness test of the drawing loop: exact ordered-outcome probabilities,
// a chi-square statistic with small cells merged, its exact p-value, and a Kolmogorov–Smirnov
// uniformity test (used to calibrate the chi-square test over many independent seed families).
// Floating point appears only here, in the test's statistics, never in the draw.

/** Every ordered k-sequence of distinct members with Π w_j / (T − weight already drawn) (max_wins 1). */
export function exactProbabilities(weights: readonly number[], k: number): Map<string, number> {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Map<string, number>();
  const walk = (prefix: number[], p: number, drawn: number): void => {
    if (prefix.length === k) {
      out.set(prefix.join(','), p);
      return;
    }
    weights.forEach((w, j) => {
      if (!prefix.includes(j)) walk([...prefix, j], (p * w) / (total - drawn), drawn + w);
    });
  };
  walk([], 1, 0);
  return out;
}

/** ln Γ(x) (Lanczos, g = 7, n = 9), accurate to ~1e-15 for x > 0. */
function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction above). */
export function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(lnPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lnPrefix) * h;
}

/** P(χ²_df ≥ stat). */
export function chiSquarePValue(stat: number, df: number): number {
  return upperGammaQ(df / 2, stat / 2);
}

/** The χ² value with P(χ²_df ≥ value) = alpha (bisection on the exact tail). */
export function chiSquareCritical(df: number, alpha: number): number {
  let lo = 0;
  let hi = df + 40 * Math.sqrt(2 * df) + 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquarePValue(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface ChiSquareResult {
  stat: number;
  df: number;
  pValue: number;
  /** Cells actually used, after merging; each has expected count ≥ minExpected. */
  cells: number;
  /** (observed − expected) / √expected per original cell, for looking at where a misfit sits. */
  residuals: Map<string, number>;
}

/**
 * Pearson χ² goodness of fit. Cells whose expected count is below minExpected are merged, in
 * ascending order of expected count, until every merged group reaches minExpected (a lone small
 * group is folded into the smallest regular cell), so the χ² approximation holds; df = cells − 1.
 * Throws if an outcome outside the enumerated set was observed.
 */
export function chiSquareTest(counts: ReadonlyMap<string, number>, probs: ReadonlyMap<string, number>, trials: number, minExpected = 5): ChiSquareResult {
  let seen = 0;
  for (const [key, n] of counts) {
    if (!probs.has(key)) throw new Error(`outcome ${key} is outside the enumerated set`);
    seen += n;
  }
  if (seen !== trials) throw new Error(`counted ${seen} outcomes for ${trials} trials`);
  const cells = [...probs].map(([key, p]) => ({ key, expected: p * trials, observed: counts.get(key) ?? 0 }));
  const residuals = new Map(cells.map((c) => [c.key, (c.observed - c.expected) / Math.sqrt(c.expected)]));
  const regular = cells.filter((c) => c.expected >= minExpected).map((c) => ({ expected: c.expected, observed: c.observed }));
  const small = cells.filter((c) => c.expected < minExpected).sort((a, b) => a.expected - b.expected);
  let group = { expected: 0, observed: 0 };
  for (const c of small) {
    group.expected += c.expected;
    group.observed += c.observed;
    if (group.expected >= minExpected) {
      regular.push(group);
      group = { expected: 0, observed: 0 };
    }
  }
  if (group.expected > 0) {
    if (regular.length === 0) regular.push(group);
    else {
      const smallest = regular.reduce((a, b) => (b.expected < a.expected ? b : a));
      smallest.expected += group.expected;
      smallest.observed += group.observed;
    }
  }
  const stat = regular.reduce((s, c) => s + (c.observed - c.expected) ** 2 / c.expected, 0);
  const df = regular.length - 1;
  return { stat, df, pValue: df > 0 ? chiSquarePValue(stat, df) : 1, cells: regular.length, residuals };
}

/** One-sample Kolmogorov–Smirnov test of values against Uniform(0, 1): D and its asymptotic p-value. */
export function ksUniform(values: readonly number[]): { d: number; pValue: number } {
  const xs = [...values].sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    d = Math.max(d, (i + 1) / n - x, x - i / n);
  });
  // Kolmogorov distribution with Stephens' small-sample correction.
  const lambda = (Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d;
  let p = 0;
  for (let j = 1; j <= 100; j++) p += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * lambda * lambda);
  return { d, pValue: Math.min(1, Math.max(0, p)) };
}
