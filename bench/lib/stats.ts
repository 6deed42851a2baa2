// Median and A/B ratio arithmetic for alternated runs. Each comparison runs A and B in turn
// (ABAB...), so round r of A and round r of B ran close together in time; their ratio is
// less disturbed by a noisy neighbour than the ratio of two medians.

export function median(values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = xs.length >> 1;
  const hi = xs[mid] ?? Number.NaN;
  if (xs.length % 2 === 1) return hi;
  return ((xs[mid - 1] ?? Number.NaN) + hi) / 2;
}

/** Per-round ratios a[r] / b[r] for the rounds both sides ran. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0) continue;
    out.push(x / y);
  }
  return out;
}

export type RatioSummary = { a: string; b: string; perRound: number[]; median: number; min: number; max: number };

export function ratioSummary(a: string, b: string, av: readonly number[], bv: readonly number[]): RatioSummary {
  const perRound = pairRatios(av, bv);
  return {
    a,
    b,
    perRound,
    median: median(perRound),
    min: perRound.length === 0 ? Number.NaN : Math.min(...perRound),
    max: perRound.length === 0 ? Number.NaN : Math.max(...perRound),
  };
}

/**
 * Runs `fn` for every round and every label, alternating labels inside a round (ABAB...).
 * Labels listed first are the "A" side of every ratio.
 */
export async function alternate<L>(rounds: number, labels: readonly L[], fn: (label: L, round: number) => Promise<void>): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const label of labels) await fn(label, r);
  }
}
