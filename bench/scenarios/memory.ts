// Memory per key: a fresh server, N keys with small values, and the growth of used_memory
// (the server's own accounting) and of RSS (what the OS charges, read from /proc) divided
// by N. Each round starts both systems afresh, one after the other.

import { RespClient, parseInfo, replyText } from '../lib/resp.ts';
import { loadKeys } from '../lib/load.ts';
import { rssBytes, sleep } from '../lib/proc.ts';
import { alternate } from '../lib/stats.ts';
import { chartOf, comparison, pairsOf, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { RunningSystem } from '../lib/systems.ts';
import type { Comparison } from '../lib/types.ts';

const keysFull = 1_000_000;
const keysQuick = 20_000;
const valueBytes = 16;
/** Let the allocator and a garbage-collected heap settle before reading RSS. */
const settleMs = 1_000;
const roundsMax = 3; // memory figures vary little; three fresh starts are plenty

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'Memory per key',
  description: `Bytes per key after loading ${keysFull} keys (quick: ${keysQuick}) of ${valueBytes}-byte values into a fresh server, from INFO used_memory and from the process RSS.`,
  systems: ['floe', 'redis'],
  plannedRuns: (ctx) => Math.min(roundsMax, ctx.rounds) * ctx.available().length,
  estimateSec: (quick) => (quick ? 6 : 90),
  run,
};

type Rows = { used: Comparison; rss: Comparison; usedTotal: Comparison; rssTotal: Comparison };

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const keys = ctx.quick ? keysQuick : keysFull;
  const rounds = Math.min(roundsMax, ctx.rounds);
  const perKey = 'Memory per key (bytes, lower is better)';
  const totals = 'Memory after loading (MiB)';
  const rows: Rows = {
    used: comparison(perKey, 'used_memory', 'B', 'lower'),
    rss: comparison(perKey, 'RSS', 'B', 'lower'),
    usedTotal: comparison(totals, 'used_memory', 'MiB', 'lower'),
    rssTotal: comparison(totals, 'RSS', 'MiB', 'lower'),
  };
  const out: ScenarioOutput = { comparisons: [], charts: [], notes: [], params: { keys, valueBytes, keyBytes: 14, rounds }, tools: { loader: 'pipelined SET, 1000 per batch, 4 batches in flight' } };
  await alternate(rounds, ctx.available(), async (id, round) => {
    ctx.progress.run(`${ctx.label(id)} round ${round + 1}/${rounds}: ${keys} keys`);
    if (ctx.usable(id)) await measureOnce(ctx, id, round, keys, rows, out.notes);
  });
  const pairs = pairsOf(ctx, 'floe', ['redis']);
  const all = [rows.used, rows.rss, rows.usedTotal, rows.rssTotal].map((c) => summarize(c, pairs));
  out.comparisons.push(...all);
  out.charts.push(chartOf('bytes-per-key', 'Memory per key', [rows.used, rows.rss]));
  out.notes.push('used_memory is each server\'s own accounting (Floe: its per-entry estimate; Redis: bytes allocated through jemalloc). RSS comes from /proc/<pid>/status for both and includes the runtime (for Floe the V8 heap, garbage not yet collected included).');
  return out;
}

async function measureOnce(ctx: ScenarioContext, id: string, round: number, keys: number, rows: Rows, notes: string[]): Promise<void> {
  const sys = await ctx.start(id);
  if (sys === undefined) return;
  try {
    const g = await ctx.guard(sys, `loading ${keys} keys`, () => loadAndMeasure(ctx, sys, round, keys, rows, notes));
    if (!g.ok) notes.push(`${ctx.label(id)} round ${round + 1}: ${g.error}`);
  } finally {
    await sys.stop();
  }
}

async function loadAndMeasure(ctx: ScenarioContext, sys: RunningSystem, round: number, keys: number, rows: Rows, notes: string[]): Promise<void> {
  const id = sys.id;
  const label = ctx.label(id);
  const pid = sys.pids[0] ?? 0;
  const c = await RespClient.connect(sys.host, sys.port);
  try {
    const before = await usedMemory(c);
    const rssBefore = rssBytes(pid);
    const loaded = await loadKeys(c, keys, Buffer.alloc(valueBytes, 'v'));
    if (loaded.errors > 0) {
      ctx.fail(id, `loading keys failed: ${loaded.errors} errors, first: ${loaded.firstError ?? '?'}`);
      return;
    }
    const dbsize = Number(replyText(await c.call('DBSIZE')));
    if (dbsize !== keys) notes.push(`${label} round ${round + 1}: DBSIZE ${dbsize} after loading ${keys} keys.`);
    await sleep(settleMs);
    const after = await usedMemory(c);
    const rssAfter = rssBytes(pid);
    if (Number.isFinite(after) && Number.isFinite(before)) {
      push(rows.used, label, round, (after - before) / keys);
      push(rows.usedTotal, label, round, after / 2 ** 20);
    } else rows.used.unsupported[label] = 'INFO memory has no used_memory';
    if (Number.isFinite(rssAfter)) {
      push(rows.rss, label, round, (rssAfter - rssBefore) / keys);
      push(rows.rssTotal, label, round, rssAfter / 2 ** 20);
    }
    ctx.ran(id);
  } finally {
    c.close();
  }
}

async function usedMemory(c: RespClient): Promise<number> {
  const info = parseInfo(replyText(await c.call('INFO', 'memory')));
  const v = info.get('used_memory');
  return v === undefined ? Number.NaN : Number(v);
}
