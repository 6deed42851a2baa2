// Targets from the issue tracker checked against a run's own figures, as one line of text per
// target ("Target (issue N): ..."), which the report prints as a note and the README section
// repeats. Pure functions of the summarized comparisons, so tests need no benchmark.

import type { Comparison } from './types.ts';

/** One figure a target is checked on, e.g. SET's Floe/Redis throughput ratio. */
export type TargetCheck = { name: string; ratio: number | undefined };

/** The median of the per-round ratios `a / b` in a summarized row; undefined when not measured. */
export function ratioMedian(c: Comparison | undefined, a: string, b: string): number | undefined {
  const m = c?.ratios?.find((r) => r.a === a && r.b === b)?.median;
  return m === undefined || !Number.isFinite(m) ? undefined : m;
}

/**
 * "Target (issue 2): <claim>: met; SET 0.92× (met), GET 0.81× (met)." The overall verdict is
 * "met" only when every check was measured and passed; a check without a figure (a system
 * skipped, a command unsupported) is "not measured", never a pass.
 */
export function targetLine(issue: number, claim: string, checks: readonly TargetCheck[], pass: (ratio: number) => boolean): string {
  const parts = checks.map((c) => (c.ratio === undefined ? `${c.name} n/a (not measured)` : `${c.name} ${shown(c.ratio, pass)}× (${pass(c.ratio) ? 'met' : 'NOT met'})`));
  return `Target (issue ${issue}): ${claim}: ${overall(checks, pass)}; ${parts.join(', ')}.`;
}

function overall(checks: readonly TargetCheck[], pass: (ratio: number) => boolean): string {
  const measured = checks.filter((c) => c.ratio !== undefined).length;
  const passed = checks.filter((c) => c.ratio !== undefined && pass(c.ratio)).length;
  if (measured === 0) return 'not measured';
  if (passed === checks.length) return 'met';
  if (passed === measured) return `not fully measured (${passed} of ${checks.length} met, ${checks.length - measured} not measured)`;
  return `NOT met (${passed} of ${checks.length} met)`;
}

/** Two decimals, or more where two would round across the threshold (0.796 is not "0.80"). */
function shown(ratio: number, pass: (ratio: number) => boolean): string {
  for (let digits = 2; digits < 4; digits++) {
    const s = ratio.toFixed(digits);
    if (pass(Number(s)) === pass(ratio)) return s;
  }
  return ratio.toFixed(4);
}
