// What a scenario is and what it gets to work with: the systems it may start (each in a
// fresh directory, failures recorded rather than thrown), a progress reporter, and helpers
// that turn round-by-round values into medians, A/B ratios and charts.

import fs from 'node:fs';
import path from 'node:path';
import { median, ratioSummary } from './stats.ts';
import { systems, type Availability, type RunningSystem, type StartOptions } from './systems.ts';
import type { ChartSpec, Comparison, ScenarioResult, SystemReport } from './types.ts';
import type { Progress } from './progress.ts';

export type ScenarioOutput = Pick<ScenarioResult, 'comparisons' | 'charts' | 'notes' | 'params' | 'tools'> & { notAvailable?: string; readmeGroups?: string[] };

export type Scenario = {
  name: string;
  title: string;
  description: string;
  /** System ids this scenario compares, the "A" side first. */
  systems: string[];
  /** Units of progress (runs) the scenario will report, for the time-left estimate. */
  plannedRuns(ctx: ScenarioContext): number;
  estimateSec(quick: boolean): number;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
};

export class ScenarioContext {
  readonly quick: boolean;
  readonly rounds: number;
  progress: Progress;
  readonly reports = new Map<string, SystemReport>();
  private readonly tmpRoot: string;
  private dirCount = 0;

  constructor(o: { quick: boolean; rounds: number; progress: Progress; tmpRoot: string; availability: ReadonlyMap<string, Availability>; ids: readonly string[] }) {
    this.quick = o.quick;
    this.rounds = o.rounds;
    this.progress = o.progress;
    this.tmpRoot = o.tmpRoot;
    for (const id of o.ids) {
      const def = systems[id];
      const a = o.availability.get(id);
      const label = def?.label ?? id;
      if (a === undefined || !a.ok) {
        const r: SystemReport = { id, label, status: a?.ok === false ? a.status : 'unavailable', reason: a?.ok === false ? a.reason : 'unknown system' };
        if (a?.ok === false && a.install !== undefined) r.install = a.install;
        this.reports.set(id, r);
      } else {
        this.reports.set(id, { id, label, status: 'skipped', version: a.version, reason: 'did not run' });
      }
    }
  }

  /** Ids of the listed systems that are installed and built. */
  available(): string[] {
    return [...this.reports.values()].filter((r) => r.version !== undefined && r.status !== 'failed').map((r) => r.id);
  }

  /** A fresh empty directory under the run's temp root (removed when the run ends). */
  scratch(name: string): string {
    const dir = path.join(this.tmpRoot, `${name}-${++this.dirCount}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Starts a system in a fresh directory; on failure records why and returns undefined. */
  async start(id: string, opts: Omit<StartOptions, 'dir'> = {}): Promise<RunningSystem | undefined> {
    const def = systems[id];
    if (def === undefined) throw new Error(`unknown system ${id}`);
    const dir = this.scratch(id);
    try {
      return await def.start({ ...opts, dir });
    } catch (err) {
      this.fail(id, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /**
   * Runs one measurement on a system. If it throws and the system has died, the system is
   * marked failed with its exit status and log tail (and `undefined` returned) so the
   * scenario carries on with the others; if the system is alive the error is returned as a
   * string, for the caller to record against this run only.
   */
  async guard<T>(sys: RunningSystem, what: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (!sys.alive()) {
        this.fail(sys.id, `died during ${what}: ${msg}; ${sys.diagnose()}`);
        return { ok: false, error: `${this.label(sys.id)} died` };
      }
      return { ok: false, error: `${what}: ${msg}` };
    }
  }

  /** True unless the system was marked failed (it did not start, or died). */
  usable(id: string): boolean {
    return this.reports.get(id)?.status !== 'failed';
  }

  fail(id: string, reason: string): void {
    const r = this.reports.get(id);
    if (r === undefined) return;
    r.status = 'failed';
    r.reason = reason;
    this.progress.note(`${id}: ${reason}`);
  }

  ran(id: string): void {
    const r = this.reports.get(id);
    if (r !== undefined && r.status !== 'failed') {
      r.status = 'ran';
      delete r.reason;
    }
  }

  label(id: string): string {
    return this.reports.get(id)?.label ?? id;
  }
}

/**
 * Ratio pairs: system `first` against each of `others`, by label. Passing them to summarize
 * fixes which side is A; without them the A side is whichever system recorded a value first,
 * so a system that failed its first round would turn "Floe / Redis" into "Redis / Floe".
 */
export function pairsOf(ctx: Pick<ScenarioContext, 'label'>, first: string, others: readonly string[]): ReadonlyArray<readonly [string, string]> {
  return others.map((o) => [ctx.label(first), ctx.label(o)] as const);
}

/** A comparison row with nothing measured yet. */
export function comparison(group: string, name: string, unit: string, better: Comparison['better']): Comparison {
  return { group, name, unit, better, values: {}, unsupported: {} };
}

export function push(c: Comparison, series: string, round: number, value: number): void {
  const xs = (c.values[series] ??= []);
  xs[round] = value;
}

/**
 * Medians per series and the ratio of the first series to every other, pair by pair; `pairs`
 * overrides which series are compared (e.g. the same policy on two systems).
 */
export function summarize(c: Comparison, pairs?: ReadonlyArray<readonly [string, string]>): Comparison {
  c.medians = {};
  for (const [s, xs] of Object.entries(c.values)) c.medians[s] = median(xs.filter((v) => v !== undefined));
  const series = Object.keys(c.values);
  const first = series[0];
  const chosen = pairs ?? (first === undefined ? [] : series.slice(1).map((s) => [first, s] as const));
  c.ratios = chosen
    .filter(([a, b]) => c.values[a] !== undefined && c.values[b] !== undefined)
    .map(([a, b]) => ratioSummary(a, b, c.values[a] ?? [], c.values[b] ?? []));
  return c;
}

/** A bar chart with one group per comparison row and one bar per series median. */
export function chartOf(id: string, title: string, rows: readonly Comparison[], log = false): ChartSpec {
  const unit = rows[0]?.unit ?? '';
  // One series order for every group, so a system keeps its place and colour throughout.
  const series = [...new Set(rows.flatMap((c) => [...Object.keys(c.values), ...Object.keys(c.unsupported)]))];
  return {
    id,
    title,
    unit,
    log,
    groups: rows.map((c) => ({
      label: c.name,
      // A series without a value (unsupported) keeps its slot, drawn as "n/a", not as zero.
      bars: series
        .filter((s) => c.values[s] !== undefined || c.unsupported[s] !== undefined)
        .map((s) => ({ series: s, value: c.values[s] === undefined ? Number.NaN : (c.medians?.[s] ?? median(c.values[s] ?? [])) })),
    })),
  };
}
