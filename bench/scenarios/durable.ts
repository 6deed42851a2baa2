// Durable writes: a SET acknowledged only once it is on disk, replicated Floe (3 nodes, fsync
// always) against Redis with appendfsync always (one node) and a 3-node etcd (put through its
// HTTP gateway, fsync on). 50 connections each, the systems alternating round by round.

import { redisBenchmark, redisBenchmarkInstalled, redisBenchmarkVersion } from '../lib/redis-benchmark.ts';
import { etcdPuts, wrkInstalled, wrkVersion } from '../lib/etcd-load.ts';
import { systems, type RunningSystem } from '../lib/systems.ts';
import { alternate } from '../lib/stats.ts';
import { chartOf, comparison, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { Comparison } from '../lib/types.ts';

const connections = 50;
const valueBytes = 256;
const keyspace = 100_000;
type Sizes = { respRequests: number; etcdSec: number };
const full: Sizes = { respRequests: 50_000, etcdSec: 6 };
const quick: Sizes = { respRequests: 2_000, etcdSec: 1 };

export const durableScenario: Scenario = {
  name: 'durable',
  title: 'Durable replicated SET vs etcd put',
  description: `Writes acknowledged after fsync: ${connections} connections, ${valueBytes}-byte values, random keys from ${keyspace}. RESP systems via redis-benchmark (SET), etcd via /v3/kv/put on the leader.`,
  systems: ['floe-3', 'redis-aof', 'etcd-3'],
  plannedRuns: (ctx) => ctx.rounds * ctx.available().length,
  estimateSec: (q) => (q ? 12 : 90),
  run,
};

type Rows = { rps: Comparison; p50: Comparison; p99: Comparison };

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
  out.comparisons.push(summarize(rows.rps), summarize(rows.p50), summarize(rows.p99));
  out.charts.push(chartOf('throughput', 'Durable writes/s', [rows.rps]), chartOf('latency', 'Durable write latency', [rows.p50, rows.p99], true));
  out.notes.push('Redis with appendfsync always is one node: it fsyncs its own log, with no replica to wait for. etcd and replicated Floe acknowledge after a majority of 3 has the write on disk. All nodes share this machine\'s one disk. etcd is reached through its HTTP/JSON gateway, which costs more than its native gRPC.');
  return out;
}

async function measure(ctx: ScenarioContext, sys: RunningSystem, round: number, sz: Sizes, rows: Rows): Promise<void> {
  const label = ctx.label(sys.id);
  if (systems[sys.id]?.kind === 'etcd') {
    const url = sys.clientUrls[0] ?? `http://${sys.host}:${sys.port}`;
    const r = await etcdPuts({ url, connections, durationSec: sz.etcdSec, valueBytes, keyspace, dir: ctx.scratch('etcd-load') });
    if (r.requests === r.errors) throw new Error(`every put failed (${r.errors})`);
    push(rows.rps, label, round, r.rps);
    push(rows.p50, label, round, r.p50Ms);
    push(rows.p99, label, round, r.p99Ms);
  } else {
    const r = await redisBenchmark({ host: sys.host, port: sys.port, test: 'set', clients: connections, pipeline: 1, requests: sz.respRequests, keyspace, dataBytes: valueBytes });
    if (!r.ok) throw new Error(r.error);
    push(rows.rps, label, round, r.row.rps);
    push(rows.p50, label, round, r.row.p50Ms);
    push(rows.p99, label, round, r.row.p99Ms);
  }
  ctx.ran(sys.id);
}
