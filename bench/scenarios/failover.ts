// Failover time: a fresh 3-node cluster under a steady write load, the leader killed with
// SIGKILL, and the time from the kill to the first write that a surviving member acknowledges.
// Replicated Floe (any node accepts a write; a follower forwards it to the leader) against etcd.

import { performance } from 'node:perf_hooks';
import { systems, type RunningSystem } from '../lib/systems.ts';
import { alternate, median } from '../lib/stats.ts';
import { sleep } from '../lib/proc.ts';
import { RespClient, replyText } from '../lib/resp.ts';
import { withTimeout } from '../lib/floe-cluster.ts';
import { chartOf, comparison, pairsOf, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { Comparison } from '../lib/types.ts';

/** A write without a reply after this long is abandoned and the writer moves to the next member. */
const attemptTimeoutMs = 1_000;
/** Concurrent writers of the steady load, each one request at a time, started on different members. */
const writers = 4;
/** After an error reply, wait this long before the next attempt, so a refusing node is not spun on. */
const retryPauseMs = 10;
/** Give up on a round if no write succeeds for this long after the kill. */
const failoverTimeoutMs = 30_000;
/** Steady load before the kill: leases, heartbeats and every writer's connections settle. */
const loadBeforeKillMs = 1_000;
const loadBeforeKillMsQuick = 300;
const roundsQuick = 1;

export const failoverScenario: Scenario = {
  name: 'failover',
  title: 'Failover time',
  description: `A fresh 3-node cluster under a steady write load (${writers} writers, each one SET or put at a time, rotating to the next member on an error or after ${attemptTimeoutMs} ms without a reply); kill the leader (SIGKILL) and time until a surviving member acknowledges a write.`,
  systems: ['floe-3', 'etcd-3'],
  plannedRuns: (ctx) => (ctx.quick ? roundsQuick : ctx.rounds) * ctx.available().length,
  estimateSec: (q) => (q ? 10 : 70),
  run,
};

async function run(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const rounds = ctx.quick ? roundsQuick : ctx.rounds;
  const row = comparison('Time from leader kill to first acknowledged write (ms, lower is better)', 'failover', 'ms', 'lower');
  await alternate(rounds, ctx.available(), async (id, round) => {
    ctx.progress.run(`${ctx.label(id)} round ${round + 1}/${rounds}`);
    await once(ctx, id, round, row);
  });
  const out: ScenarioOutput = {
    comparisons: [summarize(row, pairsOf(ctx, 'floe-3', ['etcd-3']))],
    charts: [chartOf('failover', 'Failover time', [row])],
    notes: [
      'Both clusters run with a 1000 ms election timeout (Floe: randomized up to 2×; etcd: its default, heartbeat 100 ms). A Floe follower holds a write until it knows the new leader (cluster-wait-ms 5000), then forwards it; etcd is written through its HTTP gateway.',
      ...spreadNotes(row),
    ],
    params: { rounds, writers, attemptTimeoutMs, loadBeforeKillMs: ctx.quick ? loadBeforeKillMsQuick : loadBeforeKillMs },
    tools: { writer: 'floe bench (Node): RESP SET for Floe, HTTP /v3/kv/put for etcd' },
  };
  if (ctx.reports.get('floe-3')?.status !== 'ran') out.notes.push(`Floe 3-node: ${ctx.reports.get('floe-3')?.reason ?? 'did not run'}.`);
  return out;
}

/** Median, min and max over rounds per system, in words (the table shows the median). */
function spreadNotes(row: Comparison): string[] {
  return Object.entries(row.values).map(([series, xs]) => {
    const v = xs.filter((x): x is number => typeof x === 'number');
    if (v.length === 0) return `${series}: no round measured.`;
    return `${series}: median ${median(v).toFixed(0)} ms, min ${Math.min(...v).toFixed(0)} ms, max ${Math.max(...v).toFixed(0)} ms over ${v.length} round(s) (${v.map((x) => x.toFixed(0)).join(', ')}).`;
  });
}

async function once(ctx: ScenarioContext, id: string, round: number, row: Comparison): Promise<void> {
  const sys = await ctx.start(id);
  if (sys === undefined) return;
  const load = new SteadyLoad(sys);
  try {
    if (sys.killMember === undefined) throw new Error(`${id} cannot kill a member`);
    const before = ctx.quick ? loadBeforeKillMsQuick : loadBeforeKillMs;
    load.start();
    await sleep(before);
    if (load.ackedBeforeKill === 0) throw new Error(`the cluster acknowledged no write in ${before} ms before the kill`);
    const ms = await load.killAndTime(() => sys.killMember?.(0) ?? Promise.resolve());
    if (ms === undefined) row.unsupported[ctx.label(id)] = `no write succeeded within ${failoverTimeoutMs} ms of the kill`;
    else {
      push(row, ctx.label(id), round, ms);
      ctx.ran(id);
    }
  } catch (err) {
    ctx.fail(id, err instanceof Error ? err.message : String(err));
  } finally {
    await load.stop();
    await sys.stop();
  }
}

/** One write to member i: true when that member acknowledged it within the attempt timeout. */
type WriteFn = (member: number) => Promise<boolean>;
type Writer = { write: WriteFn; close(): void };

/**
 * `writers` loops, each one write at a time, each rotating to the next member that was not
 * killed when a write fails or times out. Records the first acknowledgement from a survivor
 * after the kill.
 */
class SteadyLoad {
  ackedBeforeKill = 0;
  private readonly sys: RunningSystem;
  private readonly members: number;
  private killedAt: number | undefined;
  private firstAckMs: number | undefined;
  private stopped = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly open: Writer[] = [];
  private onFirstAck: (() => void) | undefined;

  constructor(sys: RunningSystem) {
    this.sys = sys;
    this.members = systems[sys.id]?.kind === 'etcd' ? sys.clientUrls.length : sys.memberPorts.length;
  }

  start(): void {
    for (let w = 0; w < writers; w++) {
      const writer = newWriter(this.sys, w);
      this.open.push(writer);
      this.loops.push(this.loop(writer, w % this.members));
    }
  }

  /** Kills member 0 (the leader) and resolves with the failover time, undefined on timeout. */
  async killAndTime(kill: () => Promise<void>): Promise<number | undefined> {
    const acked = new Promise<void>((resolve) => (this.onFirstAck = resolve));
    this.killedAt = performance.now();
    await kill();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, failoverTimeoutMs)));
    await Promise.race([acked, timeout]);
    clearTimeout(timer);
    return this.firstAckMs;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.open) w.close();
    await Promise.all(this.loops);
  }

  private async loop(writer: Writer, first: number): Promise<void> {
    let target = first;
    while (!this.stopped && this.firstAckMs === undefined) {
      if (this.killedAt !== undefined && target === 0) target = this.next(target);
      const sentAt = performance.now();
      const ok = await writer.write(target);
      if (ok) this.acked(target, sentAt);
      else {
        target = this.next(target);
        await sleep(retryPauseMs);
      }
    }
  }

  /**
   * Only a write sent after the kill counts: one the old leader committed just before dying
   * may be acknowledged by a follower a moment after the kill, which times nothing.
   */
  private acked(member: number, sentAt: number): void {
    if (this.killedAt === undefined) {
      this.ackedBeforeKill++;
      return;
    }
    if (member === 0 || sentAt < this.killedAt || this.firstAckMs !== undefined) return;
    this.firstAckMs = performance.now() - this.killedAt;
    this.onFirstAck?.();
  }

  /** The next member after `i`, skipping member 0 once it has been killed. */
  private next(i: number): number {
    let n = (i + 1) % this.members;
    if (this.killedAt !== undefined && n === 0) n = 1 % this.members;
    return n;
  }
}

function newWriter(sys: RunningSystem, w: number): Writer {
  return systems[sys.id]?.kind === 'etcd' ? etcdWriter(sys, w) : respWriter(sys, w);
}

/** SET through one connection per member, reconnecting after any failure. */
function respWriter(sys: RunningSystem, w: number): Writer {
  const conns = new Map<number, RespClient>();
  let n = 0;
  const drop = (member: number): void => {
    conns.get(member)?.close();
    conns.delete(member);
  };
  return {
    write: async (member) => {
      const port = sys.memberPorts[member];
      if (port === undefined) return false;
      try {
        let c = conns.get(member);
        if (c === undefined) {
          c = await RespClient.connect(sys.host, port, attemptTimeoutMs);
          conns.set(member, c);
        }
        const ok = replyText(await withTimeout(c.call('SET', `failover:${w}:${n++}`, 'x'), attemptTimeoutMs)) === 'OK';
        // A connection whose reply timed out may still deliver it later: start afresh.
        if (!ok) drop(member);
        return ok;
      } catch {
        drop(member);
        return false;
      }
    },
    close: () => {
      for (const m of [...conns.keys()]) drop(m);
    },
  };
}

function etcdWriter(sys: RunningSystem, w: number): Writer {
  let n = 0;
  return {
    write: async (member) => {
      const url = sys.clientUrls[member];
      if (url === undefined) return false;
      const body = JSON.stringify({ key: Buffer.from(`failover-${w}-${n++}`).toString('base64'), value: Buffer.from('x').toString('base64') });
      try {
        const res = await fetch(`${url}/v3/kv/put`, { method: 'POST', body, signal: AbortSignal.timeout(attemptTimeoutMs) });
        const text = await res.text();
        // The gateway answers 200 with an error object when the put was not applied.
        return res.status === 200 && !text.includes('"error"');
      } catch {
        return false;
      }
    },
    close: () => {},
  };
}
