// Runs the chosen scenarios one after another: checks which systems are installed, gives each
// scenario a context with a fresh temp dir, times it, catches its failure so the others still
// run, and writes JSON, SVG and the Markdown report at the end.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine, stamp } from './machine.ts';
import { Progress } from './progress.ts';
import { writeResults, type Written } from './report.ts';
import { ScenarioContext, type Scenario } from './scenario.ts';
import { systems, type Availability } from './systems.ts';
import type { ScenarioResult } from './types.ts';

export const roundsFull = 5;
export const roundsQuick = 2;

export type BenchOptions = {
  scenarios: readonly Scenario[];
  quick: boolean;
  outDir: string;
  rounds?: number;
  /** No progress output at all (tests). */
  silent?: boolean;
};

export type BenchRun = { results: ScenarioResult[]; written: Written; failed: string[] };

export async function runBench(o: BenchOptions): Promise<BenchRun> {
  const rounds = o.rounds ?? (o.quick ? roundsQuick : roundsFull);
  const availability = await checkSystems(o.scenarios);
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-'));
  const startedAt = new Date();
  // The contexts are needed to plan (how many systems are available); the bar needs the plan.
  const planning = new Progress([], { silent: true });
  const contexts = o.scenarios.map((s) => new ScenarioContext({ quick: o.quick, rounds, progress: planning, tmpRoot: path.join(tmpRoot, s.name), availability, ids: s.systems }));
  const plan = o.scenarios.map((s, i) => ({ scenario: s.name, runs: contexts[i] === undefined ? 0 : s.plannedRuns(contexts[i]), estimateSec: s.estimateSec(o.quick) }));
  const bar = new Progress(plan, o.silent === true ? { silent: true } : {});
  for (const ctx of contexts) ctx.progress = bar;
  const results: ScenarioResult[] = [];
  const failed: string[] = [];
  // Ctrl-C or a kill: exit through process.exit so proc.ts's exit hook kills every server.
  const onSignal = (): void => {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const [i, s] of o.scenarios.entries()) {
      const ctx = contexts[i];
      if (ctx === undefined) continue;
      results.push(await runOne(s, ctx, bar, failed));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    bar.end();
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }
  return { results, written: writeResults(o.outDir, stamp(startedAt), results), failed };
}

async function runOne(s: Scenario, ctx: ScenarioContext, bar: Progress, failed: string[]): Promise<ScenarioResult> {
  bar.beginScenario(s.name);
  const t0 = Date.now();
  const result: ScenarioResult = {
    scenario: s.name,
    title: s.title,
    description: s.description,
    startedAt: new Date(t0).toISOString(),
    durationSec: 0,
    quick: ctx.quick,
    machine: machine(),
    tools: { 'floe bench': `node ${process.version}` },
    params: {},
    systems: [],
    comparisons: [],
    charts: [],
    notes: [],
  };
  try {
    const out = await s.run(ctx);
    Object.assign(result.tools, out.tools);
    result.params = out.params;
    result.comparisons = out.comparisons;
    result.charts = out.charts;
    result.notes.push(...out.notes);
    if (out.notAvailable !== undefined) result.notAvailable = out.notAvailable;
    if (out.readmeGroups !== undefined) result.readmeGroups = out.readmeGroups;
  } catch (err) {
    failed.push(s.name);
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    result.notes.push(`The scenario failed: ${msg.split('\n').slice(0, 3).join(' ')}`);
    bar.note(`${s.name}: failed: ${msg}`);
  }
  result.systems = [...ctx.reports.values()];
  result.durationSec = (Date.now() - t0) / 1000;
  return result;
}

async function checkSystems(scenarios: readonly Scenario[]): Promise<Map<string, Availability>> {
  const ids = [...new Set(scenarios.flatMap((s) => s.systems))];
  const out = new Map<string, Availability>();
  for (const id of ids) {
    const def = systems[id];
    out.set(id, def === undefined ? { ok: false, status: 'unavailable', reason: `unknown system ${id}` } : await def.check());
  }
  return out;
}
