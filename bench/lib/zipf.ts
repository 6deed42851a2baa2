// Zipfian key popularity for the load generator and the eviction traces: rank k (0-based)
// is drawn with probability proportional to 1 / (k + 1)^alpha, from a seeded PRNG so a trace
// is the same on every run and for every system it is replayed against.

import type { Random } from '../../src/util/prng.ts';

/** A CDF table costs 8 bytes per key; past this the caller is asking for something odd. */
const zipfKeysMax = 16_000_000;

export class Zipf {
  readonly n: number;
  readonly alpha: number;
  private readonly cdf: Float64Array;

  constructor(n: number, alpha: number) {
    if (!Number.isInteger(n) || n < 1 || n > zipfKeysMax) throw new RangeError(`zipf: n must be 1..${zipfKeysMax}`);
    if (!(alpha >= 0)) throw new RangeError('zipf: alpha must be >= 0');
    this.n = n;
    this.alpha = alpha;
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, alpha);
      this.cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.cdf[k] = (this.cdf[k] ?? 0) / sum;
  }

  /** The exact probability of rank k, for tests and for documentation of a trace. */
  probability(k: number): number {
    const hi = this.cdf[k] ?? 0;
    const lo = k === 0 ? 0 : (this.cdf[k - 1] ?? 0);
    return hi - lo;
  }

  /** A rank in [0, n): binary search for the first CDF entry above a uniform draw. */
  sample(random: Random): number {
    const u = random.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] ?? 1) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * Spreads ranks over the key space (rank → key id, a bijection on [0, n)) so the hottest
 * keys are not neighbours; a multiplier coprime with n makes `rank * a mod n` a permutation.
 */
export function scrambler(n: number): (rank: number) => number {
  let a = 2_654_435_761 % n || 1;
  while (gcd(a, n) !== 1) a++;
  // rank and a are both below n ≤ zipfKeysMax, so the product stays under 2^53.
  return (rank) => (rank * a) % n;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
