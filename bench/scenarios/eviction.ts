// Eviction hit ratio: the same generated traces replayed cache-aside against Floe under each
// maxmemory-policy and against Redis under allkeys-lru and allkeys-lfu, all at the same
// maxmemory, and the fraction of GETs that hit, side by side.

import { RespClient, RespError, replyText } from '../lib/resp.ts';
import { replayCacheAside } from '../lib/replay.ts';
import { standardTraces, type Trace } from '../lib/traces.ts';
import { alternate } from '../lib/stats.ts';
import { chartOf, comparison, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { RunningSystem } from '../lib/systems.ts';
import type { Comparison } from '../lib/types.ts';

const policiesAll = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'noeviction'];
const policiesCompared = ['allkeys-lru', 'allkeys-lfu'];
const valueBytes = 1024;
/** The cache holds this fraction of the keys a trace draws from (nominally). */
const cacheFraction = 0.1;
/** Added to maxmemory for what an empty server accounts for itself (an empty Redis: ~0.9 MB). */
const baselineAllowanceBytes = 1024 * 1024;
/** The first part of each replay fills the cache; GETs there are not counted. */
const warmupFraction = 0.1;
const seed = 8_675_309;
const roundsMax = 3;

type Sizes = { universe: number; length: number };
const full: Sizes = { universe: 100_000, length: 200_000 };
const quick: Sizes = { universe: 20_000, length: 20_000 };

type Series = { id: string; policy: string; label: string };

export const evictionScenario: Scenario = {
  name: 'eviction',
  title: 'Eviction hit ratio',
  description: `Cache-aside replay (GET, SET on miss) of generated traces at one maxmemory for every system; hit ratio = hits / GETs after a ${warmupFraction * 100}% warm-up.`,
  systems: ['floe', 'redis'],
  plannedRuns: (ctx) => 4 * rounds(ctx) * seriesCount(ctx),
  estimateSec: (q) => (q ? 10 : 300),
  run,
};

function rounds(ctx: ScenarioContext): number {
  return ctx.quick ? 1 : Math.min(roundsMax, ctx.rounds);
}

function seriesCount(ctx: ScenarioContext): number {
  return ctx.available().reduce((n, id) => n + policiesFor(id, ctx.quick).length, 0);
}

function policiesFor(id: string, q: boolean): string[] {
  return id === 'floe' && !q ? policiesAll : policiesCompared;
}

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const sz = ctx.quick ? quick : full;
  const capacityKeys = Math.round(sz.universe * cacheFraction);
  const maxmemory = baselineAllowanceBytes + capacityKeys * valueBytes;
  const traces = standardTraces({ universe: sz.universe, length: sz.length, capacityKeys, seed });
  const n = rounds(ctx);
  const out: ScenarioOutput = {
    comparisons: [],
    charts: [],
    notes: traces.map((t) => `Trace ${t.name}: ${t.description}, ${t.keys.length} requests.`),
    params: { universe: sz.universe, traceLength: sz.length, valueBytes, maxmemoryBytes: maxmemory, nominalCacheKeys: capacityKeys, warmupFraction, rounds: n, seed },
    tools: { replay: 'floe bench cache-aside replay (pipelined GET + SET NX EX)' },
  };
  const running = new Map<string, RunningSystem>();
  try {
    for (const id of ctx.available()) {
      const sys = await ctx.start(id, { maxmemoryBytes: maxmemory, policy: 'allkeys-lru' });
      if (sys !== undefined) running.set(id, sys);
    }
    const series: Series[] = [...running.keys()].flatMap((id) => policiesFor(id, ctx.quick).map((policy) => ({ id, policy, label: `${ctx.label(id)} ${policy}` })));
    const hit = traces.map((t) => comparison('Hit ratio (% of GETs, higher is better)', t.name, '%', 'higher'));
    const resident = traces.map((t) => comparison('Keys resident at the end of the replay', t.name, 'keys', 'higher'));
    for (const [i, t] of traces.entries()) {
      const h = hit[i];
      const k = resident[i];
      if (h === undefined || k === undefined) continue;
      await alternate(n, series, (s, round) => replayOne(ctx, running, s, t, round, maxmemory, { hit: h, resident: k }, out.notes));
    }
    const pairs = policiesCompared.map((p) => [`${ctx.label('floe')} ${p}`, `${ctx.label('redis')} ${p}`] as const);
    out.comparisons.push(...hit.map((c) => summarize(c, pairs)), ...resident.map((c) => summarize(c, pairs)));
    out.charts.push(chartOf('hit-ratio', 'Hit ratio by trace and policy', hit));
  } finally {
    for (const sys of running.values()) await sys.stop();
  }
  out.notes.push(`maxmemory is the same number for every system (${maxmemory} bytes: ${capacityKeys} values of ${valueBytes} B plus ${baselineAllowanceBytes} B for the server itself), but each counts memory its own way, so the keys that fit differ; the resident-keys table shows how many did.`);
  out.notes.push('Every SET carries a TTL far beyond the run so volatile-* policies have keys to evict; volatile-ttl then evicts the oldest insert first (FIFO). Under noeviction, SETs fail once memory is full and are counted, not retried.');
  return out;
}

type Rows = { hit: Comparison; resident: Comparison };

async function replayOne(ctx: ScenarioContext, running: Map<string, RunningSystem>, s: Series, t: Trace, round: number, maxmemory: number, rows: Rows, notes: string[]): Promise<void> {
  ctx.progress.run(`${t.name}: ${s.label} round ${round + 1}`);
  const sys = running.get(s.id);
  if (sys === undefined || !ctx.usable(s.id) || rows.hit.unsupported[s.label] !== undefined) return;
  const g = await ctx.guard(sys, `${t.name} under ${s.policy}`, () => replayOn(ctx, sys, s, t, round, maxmemory, rows, notes));
  if (!g.ok) rows.hit.unsupported[s.label] = g.error;
}

async function replayOn(ctx: ScenarioContext, sys: RunningSystem, s: Series, t: Trace, round: number, maxmemory: number, rows: Rows, notes: string[]): Promise<void> {
  const c = await RespClient.connect(sys.host, sys.port);
  try {
    await c.call('FLUSHALL');
    for (const [param, value] of [['maxmemory-policy', s.policy], ['maxmemory', String(maxmemory)]] as const) {
      const r = await c.call('CONFIG', 'SET', param, value);
      if (r instanceof RespError) {
        rows.hit.unsupported[s.label] = `CONFIG SET ${param} ${value}: ${replyText(r)}`;
        rows.resident.unsupported[s.label] = rows.hit.unsupported[s.label] ?? '';
        return;
      }
    }
    const r = await replayCacheAside(c, t.keys, Buffer.alloc(valueBytes, 'v'), Math.floor(t.keys.length * warmupFraction));
    push(rows.hit, s.label, round, (100 * r.hits) / Math.max(1, r.gets));
    push(rows.resident, s.label, round, Number(replyText(await c.call('DBSIZE'))));
    if (r.setErrors > 0 && s.policy !== 'noeviction') notes.push(`${s.label}, ${t.name}, round ${round + 1}: ${r.setErrors} SETs failed (first: ${r.firstError ?? '?'}).`);
    ctx.ran(s.id);
  } finally {
    c.close();
  }
}
