// Mixed Zipfian workload, open loop: GETs and SETs on Zipf(0.99)-popular keys at a fixed
// request rate, latency measured from each request's intended send time (corrected for
// coordinated omission), for two read/write mixes and several value sizes.

import { Xoshiro128 } from '../../src/util/prng.ts';
import { RespClient, encodeCommand } from '../lib/resp.ts';
import { keyName, loadKeys } from '../lib/load.ts';
import { openLoop, type OpenLoopResult, type RequestSource } from '../lib/loadgen.ts';
import { Zipf, scrambler } from '../lib/zipf.ts';
import { alternate } from '../lib/stats.ts';
import { chartOf, comparison, pairsOf, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { RunningSystem } from '../lib/systems.ts';
import type { Comparison } from '../lib/types.ts';

const zipfAlpha = 0.99;
const mixes = [
  { name: '90/10', readFraction: 0.9 },
  { name: '50/50', readFraction: 0.5 },
] as const;
const valueSizesFull = [16, 1024, 16_384];
const valueSizesQuick = [1024];
const keysMax = 100_000;
const keysQuick = 5_000;
/** Keep each loaded dataset under this, so 16 KB values do not need gigabytes. */
const datasetBytesMax = 256 * 1024 * 1024;
const connections = 32;
const seed = 20_240_601;

type Params = { rate: number; durationMs: number; warmupMs: number };
const full: Params = { rate: 5_000, durationMs: 5_000, warmupMs: 1_000 };
const quick: Params = { rate: 2_000, durationMs: 1_000, warmupMs: 200 };

export const mixedScenario: Scenario = {
  name: 'mixed',
  title: 'Mixed Zipfian workload, open loop',
  description: `GET/SET on keys with Zipf(${zipfAlpha}) popularity at a fixed rate (open loop, ${connections} connections); latency from the intended send time (coordinated omission corrected), HdrHistogram p50/p99/p99.9/max.`,
  systems: ['floe', 'redis'],
  plannedRuns: (ctx) => (ctx.quick ? valueSizesQuick : valueSizesFull).length * mixes.length * ctx.rounds * ctx.available().length,
  estimateSec: (q) => (q ? 8 : 360),
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const pairs = pairsOf(ctx, 'floe', ['redis']);
  const p = ctx.quick ? quick : full;
  const sizes = ctx.quick ? valueSizesQuick : valueSizesFull;
  const out: ScenarioOutput = {
    comparisons: [],
    charts: [],
    notes: [],
    params: { zipfAlpha, ratePerSec: p.rate, durationMs: p.durationMs, warmupMs: p.warmupMs, connections, rounds: ctx.rounds },
    tools: { generator: 'floe bench open-loop generator (Node, HdrHistogram)' },
  };
  const achievedGroup = `Achieved rate at ${p.rate} req/s offered (req/s)`;
  const achievedRows: Comparison[] = [];
  const running = new Map<string, RunningSystem>();
  try {
    for (const id of ctx.available()) {
      const sys = await ctx.start(id);
      if (sys !== undefined) running.set(id, sys);
    }
    for (const size of sizes) {
      const keys = Math.min(ctx.quick ? keysQuick : keysMax, Math.floor(datasetBytesMax / size));
      await preload(ctx, running, keys, size);
      for (const mix of mixes) {
        const name = `${mix.name}, ${size} B values, ${keys} keys`;
        const lat = ['p50', 'p99', 'p99.9', 'max', 'p99 uncorrected'].map((r) => comparison(`Latency (ms), ${name}`, r, 'ms', 'lower'));
        const row = comparison(achievedGroup, name, 'req/s', 'higher');
        achievedRows.push(row);
        await alternate(ctx.rounds, [...running.keys()], async (id, round) => {
          ctx.progress.run(`${name}: ${ctx.label(id)} round ${round + 1}/${ctx.rounds}`);
          const sys = running.get(id);
          if (sys === undefined || !ctx.usable(id)) return;
          const opts = { host: sys.host, port: sys.port, connections, ratePerSec: p.rate, durationMs: p.durationMs, warmupMs: p.warmupMs, next: source(keys, size, mix.readFraction, seed + round) };
          const g = await ctx.guard(sys, name, () => openLoop(opts));
          if (g.ok) record(ctx, id, round, g.value, lat, row, out.notes, name);
          else out.notes.push(`${ctx.label(id)}, ${name}, round ${round + 1}: ${g.error}`);
        });
        out.comparisons.push(...lat.map((c) => summarize(c, pairs)));
        out.charts.push(chartOf(`latency-${mix.name.replace('/', '-')}-${size}`, `Latency, ${name}, ${p.rate} req/s`, lat.slice(0, 4), true));
      }
    }
  } finally {
    for (const sys of running.values()) await sys.stop();
  }
  out.comparisons.push(...achievedRows.map((c) => summarize(c, pairs)));
  out.notes.push('The generator runs in Node on the same machine and busy-polls its send schedule, so it takes a core; with 2 cores it and the server each have one. Its own scheduling delay is part of the corrected latency, for every system alike. Throughput comparisons use redis-benchmark (commands scenario).');
  return out;
}

async function preload(ctx: ScenarioContext, running: Map<string, RunningSystem>, keys: number, size: number): Promise<void> {
  for (const [id, sys] of running) {
    if (!ctx.usable(id)) continue;
    const g = await ctx.guard(sys, `preloading ${keys} keys of ${size} B`, async () => {
      const c = await RespClient.connect(sys.host, sys.port);
      try {
        await c.call('FLUSHALL');
        return await loadKeys(c, keys, Buffer.alloc(size, 'v'));
      } finally {
        c.close();
      }
    });
    if (!g.ok) {
      if (ctx.usable(id)) ctx.fail(id, g.error);
    }
    else if (g.value.errors > 0) ctx.fail(id, `preloading ${keys} keys of ${size} B failed: ${g.value.firstError ?? '?'}`);
  }
}

/** The same request stream (same seed) for every system in a round. */
function source(keys: number, size: number, readFraction: number, s: number): RequestSource {
  const rng = new Xoshiro128(s);
  const zipf = new Zipf(keys, zipfAlpha);
  const scramble = scrambler(keys);
  const value = Buffer.alloc(size, 'w');
  return () => {
    const key = keyName(scramble(zipf.sample(rng)));
    if (rng.next() < readFraction) return { bytes: encodeCommand(['GET', key]), kind: 'read' };
    return { bytes: encodeCommand(['SET', key, value]), kind: 'write' };
  };
}

function record(ctx: ScenarioContext, id: string, round: number, r: OpenLoopResult, lat: Comparison[], achieved: Comparison, notes: string[], name: string): void {
  const label = ctx.label(id);
  if (r.completed === 0) {
    for (const c of [...lat, achieved]) c.unsupported[label] = r.firstError ?? 'no request completed';
    return;
  }
  const values = [r.corrected.p50Ms, r.corrected.p99Ms, r.corrected.p999Ms, r.corrected.maxMs, r.uncorrected.p99Ms];
  values.forEach((v, i) => {
    const c = lat[i];
    if (c !== undefined) push(c, label, round, v);
  });
  push(achieved, label, round, r.achievedRps);
  if (r.errors > 0) notes.push(`${label}, ${name}, round ${round + 1}: ${r.errors} error replies (first: ${r.firstError ?? '?'}).`);
  if (r.overloaded) notes.push(`${label}, ${name}, round ${round + 1}: fell more than 10 s behind the schedule; the run was cut short.`);
  if (r.misses > 0) notes.push(`${label}, ${name}, round ${round + 1}: ${r.misses} of ${r.hits + r.misses} GETs missed (the dataset was preloaded; expected 0).`);
  ctx.ran(id);
}
