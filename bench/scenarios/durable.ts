// Durable writes: a SET acknowledged only once it is on disk, replicated Floe (3 nodes, fsync
// always) against Redis with appendfsync always (one node) and a 3-node etcd (put through its
// HTTP gateway, fsync on). 50 connections each, the systems alternating round by round. Also
// GET through the 3-node leader against single-node Floe: what replication costs a read.

import { redisBenchmark, redisBenchmarkInstalled, redisBenchmarkVersion, type RbRow } from '../lib/redis-benchmark.ts';
import { etcdPuts, wrkInstalled, wrkVersion } from '../lib/etcd-load.ts';
import { systems, type RunningSystem } from '../lib/systems.ts';
import { alternate } from '../lib/stats.ts';
import { chartOf, comparison, pairsOf, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import { ratioMedian } from '../lib/targets.ts';
import type { Comparison } from '../lib/types.ts';

const connections = 50;
const valueBytes = 256;
const keyspace = 100_000;
type Sizes = { respRequests: number; getRequests: number; etcdSec: number };
const full: Sizes = { respRequests: 50_000, getRequests: 100_000, etcdSec: 6 };
const quick: Sizes = { respRequests: 2_000, getRequests: 2_000, etcdSec: 1 };
/** Issue 5's targets, printed beside the measured figures. */
const targetPutRatio = 5;
const targetP99Ms = 5;
const targetGetRatio = 0.7;

export const durableScenario: Scenario = {
  name: 'durable',
  title: 'Durable replicated SET vs etcd put',
  description: `Writes acknowledged after fsync: ${connections} connections, ${valueBytes}-byte values, random keys from ${keyspace}. RESP systems via redis-benchmark (SET), etcd via /v3/kv/put on the leader. Then GET through the 3-node leader against single-node Floe (redis-benchmark -t get).`,
  systems: ['floe-3', 'redis-aof', 'etcd-3', 'floe'],
  plannedRuns: (ctx) => ctx.rounds * ctx.available().length,
  estimateSec: (q) => (q ? 12 : 90),
  run,
};

type Rows = { rps: Comparison; p50: Comparison; p99: Comparison; getRps: Comparison; getP99: Comparison };

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const sz = ctx.quick ? quick : full;
  const out: ScenarioOutput = {
    comparisons: [],
    charts: [],
    notes: [],
    params: { connections, valueBytes, keyspace, respRequests: sz.respRequests, etcdSeconds: sz.etcdSec, rounds: ctx.rounds },
    tools: {},
  };
  const group = 'Durable writes, 50 connections';
  const rows: Rows = {
    rps: comparison(`${group}: throughput (writes/s, higher is better)`, 'writes/s', 'writes/s', 'higher'),
    p50: comparison(`${group}: latency (ms, lower is better)`, 'p50', 'ms', 'lower'),
    p99: comparison(`${group}: latency (ms, lower is better)`, 'p99', 'ms', 'lower'),
    getRps: comparison('GET through the leader vs single-node Floe, 50 connections', 'GET req/s', 'req/s', 'higher'),
    getP99: comparison('GET through the leader vs single-node Floe, 50 connections', 'GET p99 (ms)', 'ms', 'lower'),
  };
  if (redisBenchmarkInstalled()) out.tools['redis-benchmark'] = await redisBenchmarkVersion();
  out.tools['etcd load'] = wrkInstalled() ? await wrkVersion() : 'node http client (wrk not installed: apt-get install -y wrk)';
  const running = new Map<string, RunningSystem>();
  try {
    for (const id of ctx.available()) {
      if (systems[id]?.kind === 'resp' && !redisBenchmarkInstalled()) {
        ctx.fail(id, 'redis-benchmark not found; install it with: apt-get install -y redis-tools');
        continue;
      }
      const sys = await ctx.start(id);
      if (sys !== undefined) running.set(id, sys);
    }
    await alternate(ctx.rounds, [...running.keys()], async (id, round) => {
      ctx.progress.run(`${ctx.label(id)} round ${round + 1}/${ctx.rounds}`);
      const sys = running.get(id);
      if (sys === undefined || !ctx.usable(id)) return;
      const g = await ctx.guard(sys, `round ${round + 1}`, () => measure(ctx, sys, round, sz, rows));
      if (!g.ok) out.notes.push(`${ctx.label(id)}: ${g.error}`);
    });
  } finally {
    for (const sys of running.values()) await sys.stop();
  }
  const writes = pairsOf(ctx, 'floe-3', ['redis-aof', 'etcd-3']);
  const reads = pairsOf(ctx, 'floe-3', ['floe']);
  out.comparisons.push(
    summarize(rows.rps, writes), summarize(rows.p50, writes), summarize(rows.p99, writes),
    summarize(rows.getRps, reads), summarize(rows.getP99, reads),
  );
  out.charts.push(chartOf('throughput', 'Durable writes/s', [rows.rps]), chartOf('latency', 'Durable write latency', [rows.p50, rows.p99], true));
  out.charts.push(chartOf('get', 'GET through the 3-node leader vs single-node Floe (req/s)', [rows.getRps]));
  out.notes.push(...targetNotes(ctx, rows));
  out.notes.push('Redis with appendfsync always is one node: it fsyncs its own log, with no replica to wait for. etcd and replicated Floe acknowledge after a majority of 3 has the write on disk. All nodes share this machine\'s one disk. etcd is reached through its HTTP/JSON gateway, which costs more than its native gRPC.');
  return out;
}

async function measure(ctx: ScenarioContext, sys: RunningSystem, round: number, sz: Sizes, rows: Rows): Promise<void> {
  const label = ctx.label(sys.id);
  if (sys.id === 'floe') {
    // Single-node Floe is here only for the GET comparison: the same SETs first (not counted),
    // so its GETs find as many keys as the 3-node cluster's do.
    await benchmark(sys, 'set', sz.respRequests);
    await measureGet(ctx, sys, round, sz, rows);
    return;
  }
  if (systems[sys.id]?.kind === 'etcd') {
    const url = sys.clientUrls[0] ?? `http://${sys.host}:${sys.port}`;
    const r = await etcdPuts({ url, connections, durationSec: sz.etcdSec, valueBytes, keyspace, dir: ctx.scratch('etcd-load') });
    if (r.requests === r.errors) throw new Error(`every put failed (${r.errors})`);
    push(rows.rps, label, round, r.rps);
    push(rows.p50, label, round, r.p50Ms);
    push(rows.p99, label, round, r.p99Ms);
  } else {
    const r = await benchmark(sys, 'set', sz.respRequests);
    push(rows.rps, label, round, r.rps);
    push(rows.p50, label, round, r.p50Ms);
    push(rows.p99, label, round, r.p99Ms);
    if (sys.id === 'floe-3') await measureGet(ctx, sys, round, sz, rows);
  }
  ctx.ran(sys.id);
}

async function measureGet(ctx: ScenarioContext, sys: RunningSystem, round: number, sz: Sizes, rows: Rows): Promise<void> {
  const r = await benchmark(sys, 'get', sz.getRequests);
  push(rows.getRps, ctx.label(sys.id), round, r.rps);
  push(rows.getP99, ctx.label(sys.id), round, r.p99Ms);
  ctx.ran(sys.id);
}

/** redis-benchmark against the system's (leader's) port; throws on any failure. */
async function benchmark(sys: RunningSystem, test: string, requests: number): Promise<RbRow> {
  const r = await redisBenchmark({ host: sys.host, port: sys.port, test, clients: connections, pipeline: 1, requests, keyspace, dataBytes: valueBytes });
  if (!r.ok) throw new Error(`${test.toUpperCase()}: ${r.error}`);
  return r.row;
}

/** Issue 5's targets against what this run measured, one line each. */
function targetNotes(ctx: ScenarioContext, rows: Rows): string[] {
  const f3 = ctx.label('floe-3');
  if (rows.rps.values[f3] === undefined) return [];
  const fmt = (v: number | undefined, digits: number): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  const ratio = (c: Comparison, b: string): number | undefined => ratioMedian(c, f3, ctx.label(b));
  const putRatio = ratio(rows.rps, 'etcd-3');
  const p99 = rows.p99.medians?.[f3];
  const getRatio = ratio(rows.getRps, 'floe');
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  return [
    `Target (issue 5): 3-node Floe SET ≥ ${targetPutRatio}× etcd put: ${fmt(putRatio, 2)}× (${verdict(putRatio === undefined ? undefined : putRatio >= targetPutRatio)}).`,
    `Target (issue 5): 3-node Floe SET p99 < ${targetP99Ms} ms: ${fmt(p99, 2)} ms (${verdict(p99 === undefined || !Number.isFinite(p99) ? undefined : p99 < targetP99Ms)}).`,
    `Target (issue 5): GET through the leader ≥ ${targetGetRatio}× single-node Floe: ${fmt(getRatio, 2)}× (${verdict(getRatio === undefined ? undefined : getRatio >= targetGetRatio)}).`,
  ];
}
