// Latency histograms (HdrHistogram, microsecond values, 3 significant digits) and the
// summary the reports print: p50, p99, p99.9 and max in milliseconds.

import * as hdr from 'hdr-histogram-js';

const latencyUsMax = 120_000_000; // 2 minutes; longer is recorded as this
const bisectSteps = 40;

export type LatencySummary = { count: number; p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; meanMs: number };

export class LatencyHistogram {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: latencyUsMax, numberOfSignificantValueDigits: 3 });

  recordUs(us: number): void {
    this.h.recordValue(Math.min(latencyUsMax, Math.max(1, Math.round(us))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileUs(p: number): number {
    return this.h.getValueAtPercentile(p);
  }

  /**
   * How many recorded values are at or above `us` (within the histogram's resolution):
   * bisects for the lowest percentile whose value reaches `us`.
   */
  countAtOrAbove(us: number): number {
    const total = this.h.totalCount;
    if (total === 0 || this.h.maxValue < us) return 0;
    let lo = 0;
    let hi = 100;
    for (let i = 0; i < bisectSteps; i++) {
      const mid = (lo + hi) / 2;
      if (this.h.getValueAtPercentile(mid) >= us) hi = mid;
      else lo = mid;
    }
    return Math.round(total * (1 - lo / 100));
  }

  summary(): LatencySummary {
    const ms = (us: number): number => us / 1000;
    return {
      count: this.h.totalCount,
      p50Ms: ms(this.h.getValueAtPercentile(50)),
      p99Ms: ms(this.h.getValueAtPercentile(99)),
      p999Ms: ms(this.h.getValueAtPercentile(99.9)),
      maxMs: ms(this.h.maxValue),
      meanMs: ms(this.h.mean),
    };
  }
}
