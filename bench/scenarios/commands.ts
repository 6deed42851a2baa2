// Single commands with redis-benchmark, 50 clients, Floe alternating with Redis: strings and the
// collection commands one request at a time per client, then SET..ZADD pipelined 16 deep, with
// issue 2's and issue 3's targets checked on the figures. A command a system does not support
// yet is reported as such, not as a zero.

import { alternate } from '../lib/stats.ts';
import { RespClient, RespError, isUnknownCommand, replyText } from '../lib/resp.ts';
import { redisBenchmark, redisBenchmarkInstalled, redisBenchmarkVersion, type RbOutcome } from '../lib/redis-benchmark.ts';
import { chartOf, comparison, pairsOf, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import { ratioMedian, targetLine, type TargetCheck } from '../lib/targets.ts';
import type { RunningSystem } from '../lib/systems.ts';
import type { Comparison } from '../lib/types.ts';

/** A key a pop benchmark drains, refilled before each run (redis-benchmark's own key names). */
type Fill = { key: string; kind: 'list' | 'set' };
const listFill: Fill = { key: 'mylist', kind: 'list' };
const setFill: Fill = { key: 'myset', kind: 'set' };

/**
 * In redis-benchmark's own order, so pushes come before pops and SET before GET (the gets find
 * keys). The probe is one call that shows the command exists.
 */
const commands: ReadonlyArray<{ test: string; probe: string[]; fill?: Fill }> = [
  { test: 'set', probe: ['SET', 'bench:probe', 'x'] },
  { test: 'get', probe: ['GET', 'bench:probe'] },
  { test: 'incr', probe: ['INCR', 'bench:probe:n'] },
  { test: 'lpush', probe: ['LPUSH', 'bench:probe:l', 'x'] },
  { test: 'rpush', probe: ['RPUSH', 'bench:probe:l', 'x'] },
  { test: 'lpop', probe: ['LPOP', 'bench:probe:l'], fill: listFill },
  { test: 'rpop', probe: ['RPOP', 'bench:probe:l'], fill: listFill },
  { test: 'sadd', probe: ['SADD', 'bench:probe:s', 'x'] },
  { test: 'hset', probe: ['HSET', 'bench:probe:h', 'f', 'x'] },
  { test: 'spop', probe: ['SPOP', 'bench:probe:s'], fill: setFill },
  { test: 'zadd', probe: ['ZADD', 'bench:probe:z', '1', 'x'] },
  { test: 'lrange_100', probe: ['LRANGE', 'bench:probe:l', '0', '99'] },
];
/** The commands measured pipelined too: the original set, which keeps the scenario's run time near 7 minutes. */
const pipelinedTests = ['set', 'get', 'incr', 'lpush', 'hset', 'zadd'];
const clients = 50;
const keyspace = 100_000;
/** Elements per RPUSH or SADD when a pop's key is refilled; the fill is not timed. */
const fillBatchElements = 1_000;
/** redis-benchmark's default value size is 3 bytes (-d 3); the fill uses the same. */
const fillValue = 'xxx';

export const unpipelined = '-c 50';
export const pipelined = '-c 50 -P 16';

/** Issue 2: SET and GET against Redis in the same run. */
const issue2Tests = ['set', 'get'];
const issue2RpsRatioMin = 0.8; // non-pipelined
const issue2PipelinedRpsRatioMin = 0.5;
const issue2P99RatioMax = 1.5; // non-pipelined, Floe's p99 over Redis's in the same round
/** Issue 3: `redis-benchmark -t lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100`, -c 50. */
const issue3Tests = ['lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'lrange_100'];
const issue3RpsRatioMin = 0.7;

type Mode = { label: string; pipeline: number; requests: number; tests: readonly string[] };

function modes(quick: boolean): Mode[] {
  // Sizes keep a full run (5 rounds, 2 systems, 18 tests) near 7 minutes on 2 shared cores.
  return [
    { label: unpipelined, pipeline: 1, requests: quick ? 3_000 : 50_000, tests: commands.map((c) => c.test) },
    { label: pipelined, pipeline: 16, requests: quick ? 10_000 : 500_000, tests: pipelinedTests },
  ];
}

export function throughputGroup(mode: string): string {
  return `Throughput, ${mode} (requests/s, higher is better)`;
}

export function p99Group(mode: string): string {
  return `p99 latency, ${mode} (ms, closed loop, lower is better)`;
}

export const commandsScenario: Scenario = {
  name: 'commands',
  title: 'Single commands: strings, lists, sets, hashes, sorted sets',
  description:
    'redis-benchmark, 50 clients, random keys from 100000: SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP ZADD LRANGE_100 one request at a time per client, then SET GET INCR LPUSH HSET ZADD pipelined 16 deep; requests/s and p50/p99 latency',
  systems: ['floe', 'redis'],
  plannedRuns: (ctx) => modes(ctx.quick).reduce((n, m) => n + m.tests.length, 0) * ctx.rounds * ctx.available().length,
  estimateSec: (quick) => (quick ? 12 : 420),
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
  const pair = pairsOf(ctx, 'floe', ['redis']);
  try {
    for (const id of ctx.available()) {
      const sys = await ctx.start(id);
      if (sys !== undefined) running.set(id, sys);
    }
    const support = await probeSupport(ctx, running);
    for (const mode of modes(ctx.quick)) {
      out.params[`requests ${mode.label}`] = mode.requests;
      const rps = mode.tests.map((t) => comparison(throughputGroup(mode.label), t.toUpperCase(), 'req/s', 'higher'));
      const p99 = mode.tests.map((t) => comparison(p99Group(mode.label), t.toUpperCase(), 'ms', 'lower'));
      for (const [i, test] of mode.tests.entries()) {
        const [r, p] = [rps[i], p99[i]];
        if (r !== undefined && p !== undefined) await runCommand(ctx, running, support, test, mode, { rps: r, p99: p }, out.notes);
      }
      out.comparisons.push(...rps.map((c) => summarize(c, pair)), ...p99.map((c) => summarize(c, pair)));
      out.charts.push(chartOf(`throughput-p${mode.pipeline}`, `Throughput, ${mode.label}`, rps));
    }
  } finally {
    for (const sys of running.values()) await sys.stop();
  }
  out.readmeGroups = [throughputGroup(unpipelined), p99Group(unpipelined), throughputGroup(pipelined)];
  out.notes.push(...targetNotes(out.comparisons, ctx.label('floe'), ctx.label('redis')));
  out.notes.push('Load: redis-benchmark (C), one process, keys drawn at random from 100000 (-r). Latency here is closed loop (each client waits for its reply before sending), so it understates stalls; see the mixed scenario for corrected latency.');
  out.notes.push(`Each command is its own redis-benchmark run, so the systems alternate command by command. Before every LPOP, RPOP and SPOP run the harness resets mylist or myset to exactly as many elements as the run sends pops (DEL, then RPUSH or SADD ${fillBatchElements} at a time, not timed), so every pop removes an element; issue 3's single \`-t lpush,...,lrange_100\` run instead pops what its pushes left, and its SPOPs run partly on an empty set. LRANGE_100 is the "LRANGE_100 (first 100 elements)" line; the LPUSHes redis-benchmark sends first to fill the list are not counted.`);
  return out;
}

/** Issue 2's and 3's targets against what this run measured, one line per target. */
export function targetNotes(comparisons: readonly Comparison[], floe: string, redis: string): string[] {
  if (!comparisons.some((c) => c.values[floe] !== undefined)) return [];
  const checks = (group: string, tests: readonly string[]): TargetCheck[] =>
    tests.map((t) => ({ name: t.toUpperCase(), ratio: ratioMedian(comparisons.find((c) => c.group === group && c.name === t.toUpperCase()), floe, redis) }));
  const names = (tests: readonly string[]): string => tests.map((t) => t.toUpperCase()).join(', ');
  return [
    targetLine(2, `non-pipelined (${unpipelined}) SET and GET ≥ ${issue2RpsRatioMin}× Redis req/s`, checks(throughputGroup(unpipelined), issue2Tests), (r) => r >= issue2RpsRatioMin),
    targetLine(2, `pipelined (${pipelined}) SET and GET ≥ ${issue2PipelinedRpsRatioMin}× Redis req/s`, checks(throughputGroup(pipelined), issue2Tests), (r) => r >= issue2PipelinedRpsRatioMin),
    targetLine(2, `non-pipelined (${unpipelined}) SET and GET p99 ≤ ${issue2P99RatioMax}× Redis's p99 in the same round`, checks(p99Group(unpipelined), issue2Tests), (r) => r <= issue2P99RatioMax),
    targetLine(3, `non-pipelined (${unpipelined}) ${names(issue3Tests)} each ≥ ${issue3RpsRatioMin}× Redis req/s`, checks(throughputGroup(unpipelined), issue3Tests), (r) => r >= issue3RpsRatioMin),
  ];
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
  const fill = commands.find((c) => c.test === test)?.fill;
  const errors = new Map<string, string[]>();
  await alternate(ctx.rounds, ids, async (id, round) => {
    const sys = running.get(id);
    const label = ctx.label(id);
    ctx.progress.run(`${test.toUpperCase()} ${mode.label} ${label} round ${round + 1}/${ctx.rounds}`);
    if (sys === undefined || !ctx.usable(id)) return;
    const r = await measure(sys, test, mode, fill);
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

/** One timed redis-benchmark run, after refilling the key a pop drains. */
async function measure(sys: RunningSystem, test: string, mode: Mode, fill: Fill | undefined): Promise<RbOutcome> {
  if (fill !== undefined) {
    try {
      await refill(sys, fill, mode.requests);
    } catch (err) {
      return { ok: false, error: `refilling ${fill.key}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return redisBenchmark({ host: sys.host, port: sys.port, test, clients, pipeline: mode.pipeline, requests: mode.requests, keyspace });
}

/** Replaces `fill.key` with exactly `count` elements and checks the length it reports. */
async function refill(sys: RunningSystem, fill: Fill, count: number): Promise<void> {
  const c = await RespClient.connect(sys.host, sys.port);
  try {
    const replies = [await c.call('DEL', fill.key)];
    for (let i = 0; i < count; i += fillBatchElements) {
      const n = Math.min(fillBatchElements, count - i);
      // Distinct set members, named like redis-benchmark's, so SADD adds every one.
      const elements = Array.from({ length: n }, (_, j) => (fill.kind === 'list' ? fillValue : `element:${String(i + j).padStart(12, '0')}`));
      replies.push(await c.call(fill.kind === 'list' ? 'RPUSH' : 'SADD', fill.key, ...elements));
    }
    const failed = replies.find((r) => r instanceof RespError);
    if (failed !== undefined) throw new Error(replyText(failed));
    const size = await c.call(fill.kind === 'list' ? 'LLEN' : 'SCARD', fill.key);
    if (size !== count) throw new Error(`${fill.key} holds ${replyText(size)} elements after the fill, not ${count}`);
  } finally {
    c.close();
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
