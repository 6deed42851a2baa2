// GET/SET/INCR/LPUSH/HSET/ZADD throughput and latency with redis-benchmark, 50 clients, first
// one request at a time per client and then pipelined 16 deep, Floe alternating with Redis.
// A command a system does not support yet is reported as such, not as a zero.

import { alternate } from '../lib/stats.ts';
import { RespClient, isUnknownCommand, replyText } from '../lib/resp.ts';
import { redisBenchmark, redisBenchmarkInstalled, redisBenchmarkVersion } from '../lib/redis-benchmark.ts';
import { chartOf, comparison, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { RunningSystem } from '../lib/systems.ts';
import type { Comparison } from '../lib/types.ts';

/** Set before get so the gets find keys; the probe is one call that shows the command exists. */
const commands: ReadonlyArray<{ test: string; probe: string[] }> = [
  { test: 'set', probe: ['SET', 'bench:probe', 'x'] },
  { test: 'get', probe: ['GET', 'bench:probe'] },
  { test: 'incr', probe: ['INCR', 'bench:probe:n'] },
  { test: 'lpush', probe: ['LPUSH', 'bench:probe:l', 'x'] },
  { test: 'hset', probe: ['HSET', 'bench:probe:h', 'f', 'x'] },
  { test: 'zadd', probe: ['ZADD', 'bench:probe:z', '1', 'x'] },
];
const clients = 50;
const keyspace = 100_000;

type Mode = { label: string; pipeline: number; requests: number };

function modes(quick: boolean): Mode[] {
  return [
    { label: '-c 50', pipeline: 1, requests: quick ? 5_000 : 100_000 },
    { label: '-c 50 -P 16', pipeline: 16, requests: quick ? 20_000 : 1_000_000 },
  ];
}

export const commandsScenario: Scenario = {
  name: 'commands',
  title: 'Single commands: GET, SET, INCR, LPUSH, HSET, ZADD',
  description: 'redis-benchmark, 50 clients, without and with 16-deep pipelining; requests/s and p50/p99 latency',
  systems: ['floe', 'redis'],
  plannedRuns: (ctx) => commands.length * 2 * ctx.rounds * ctx.available().length,
  estimateSec: (quick) => (quick ? 12 : 300),
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const out: ScenarioOutput = { comparisons: [], charts: [], notes: [], params: { clients, keyspace, rounds: ctx.rounds }, tools: {} };
  if (!redisBenchmarkInstalled()) {
    out.notAvailable = 'redis-benchmark not found in PATH; install it with: apt-get install -y redis-tools';
    return out;
  }
  out.tools['redis-benchmark'] = await redisBenchmarkVersion();
  const running = new Map<string, RunningSystem>();
  try {
    for (const id of ctx.available()) {
      const sys = await ctx.start(id);
      if (sys !== undefined) running.set(id, sys);
    }
    const support = await probeSupport(ctx, running);
    for (const mode of modes(ctx.quick)) {
      out.params[`requests ${mode.label}`] = mode.requests;
      const rps = comparisonsFor(`Throughput, ${mode.label} (requests/s, higher is better)`, 'req/s', 'higher');
      const p99 = comparisonsFor(`p99 latency, ${mode.label} (ms, closed loop, lower is better)`, 'ms', 'lower');
      for (const [i, cmd] of commands.entries()) {
        const [r, p] = [rps[i], p99[i]];
        if (r !== undefined && p !== undefined) await runCommand(ctx, running, support, cmd.test, mode, { rps: r, p99: p }, out.notes);
      }
      out.comparisons.push(...rps.map((c) => summarize(c)), ...p99.map((c) => summarize(c)));
      out.charts.push(chartOf(`throughput-p${mode.pipeline}`, `Throughput, ${mode.label}`, rps));
    }
  } finally {
    for (const sys of running.values()) await sys.stop();
  }
  out.notes.push('Load: redis-benchmark (C), one process, keys drawn at random from 100000 (-r). Latency here is closed loop (each client waits for its reply before sending), so it understates stalls; see the mixed scenario for corrected latency.');
  return out;
}

function comparisonsFor(group: string, unit: string, better: Comparison['better']): Comparison[] {
  return commands.map((c) => comparison(group, c.test.toUpperCase(), unit, better));
}

type Rows = { rps: Comparison; p99: Comparison };

async function runCommand(ctx: ScenarioContext, running: Map<string, RunningSystem>, support: Support, test: string, mode: Mode, rows: Rows, notes: string[]): Promise<void> {
  const ids: string[] = [];
  for (const id of running.keys()) {
    const missing = support.get(id)?.get(test);
    if (missing === undefined) {
      ids.push(id);
      continue;
    }
    rows.rps.unsupported[ctx.label(id)] = missing;
    rows.p99.unsupported[ctx.label(id)] = missing;
    ctx.progress.advance(ctx.rounds);
  }
  const errors = new Map<string, string[]>();
  await alternate(ctx.rounds, ids, async (id, round) => {
    const sys = running.get(id);
    const label = ctx.label(id);
    ctx.progress.run(`${test.toUpperCase()} ${mode.label} ${label} round ${round + 1}/${ctx.rounds}`);
    if (sys === undefined || !ctx.usable(id)) return;
    const r = await redisBenchmark({ host: sys.host, port: sys.port, test, clients, pipeline: mode.pipeline, requests: mode.requests, keyspace });
    if (!r.ok) {
      if (!sys.alive()) ctx.fail(id, `died during ${test.toUpperCase()} ${mode.label}: ${r.error}; ${sys.diagnose()}`);
      errors.set(label, [...(errors.get(label) ?? []), `round ${round + 1}: ${r.error}`]);
      return;
    }
    push(rows.rps, label, round, r.row.rps);
    push(rows.p99, label, round, r.row.p99Ms);
    ctx.ran(id);
  });
  for (const [label, errs] of errors) {
    // A command that never worked is n/a; one that failed now and then is a note.
    if (rows.rps.values[label] === undefined) {
      rows.rps.unsupported[label] = errs[0] ?? 'failed';
      rows.p99.unsupported[label] = errs[0] ?? 'failed';
    } else notes.push(`${label}, ${test.toUpperCase()} ${mode.label}: ${errs.length} of ${ctx.rounds} rounds failed (${errs.join('; ')}).`);
  }
}

type Support = Map<string, Map<string, string>>;

/** system id → command → why it cannot run there (absent when it can). */
async function probeSupport(ctx: ScenarioContext, running: Map<string, RunningSystem>): Promise<Support> {
  const out = new Map<string, Map<string, string>>();
  for (const [id, sys] of running) {
    const missing = new Map<string, string>();
    const c = await RespClient.connect(sys.host, sys.port);
    try {
      await c.call('FLUSHALL');
      for (const cmd of commands) {
        const r = await c.call(...cmd.probe);
        if (isUnknownCommand(r)) missing.set(cmd.test, `${cmd.test.toUpperCase()} not supported by ${ctx.label(id)} yet (${replyText(r)})`);
      }
      await c.call('FLUSHALL');
    } finally {
      c.close();
    }
    out.set(id, missing);
  }
  return out;
}
