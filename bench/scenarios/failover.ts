// Failover time: a fresh 3-node cluster, the leader killed with SIGKILL, and the time from the
// kill to the first write that a surviving member acknowledges. Replicated Floe is listed and
// reported as not available until it exists; etcd runs as the reference.

import { performance } from 'node:perf_hooks';
import { systems, type RunningSystem } from '../lib/systems.ts';
import { alternate } from '../lib/stats.ts';
import { sleep } from '../lib/proc.ts';
import { chartOf, comparison, push, summarize, type Scenario, type ScenarioContext, type ScenarioOutput } from '../lib/scenario.ts';
import type { Comparison } from '../lib/types.ts';

/** A write that takes longer than this is abandoned and retried (against the next member). */
const attemptTimeoutMs = 500;
/** Give up on a round if no write succeeds for this long after the kill. */
const failoverTimeoutMs = 30_000;
/** Let the fresh cluster settle (leases, first heartbeats) before the kill. */
const settleMs = 500;
const roundsQuick = 1;

export const failoverScenario: Scenario = {
  name: 'failover',
  title: 'Failover time',
  description: 'Kill the leader of a fresh 3-node cluster (SIGKILL) and time until the first write a surviving member acknowledges.',
  systems: ['floe-3', 'etcd-3'],
  plannedRuns: (ctx) => (ctx.quick ? roundsQuick : ctx.rounds) * ctx.available().length,
  estimateSec: (q) => (q ? 8 : 40),
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
    comparisons: [summarize(row)],
    charts: [chartOf('failover', 'Failover time', [row])],
    notes: ['etcd runs with its default election timeout (1000 ms) and heartbeat (100 ms); writes go to the surviving members in turn, each attempt cut off after 500 ms.'],
    params: { rounds, attemptTimeoutMs },
    tools: { writer: 'floe bench (Node)' },
  };
  if (ctx.reports.get('floe-3')?.status !== 'ran') out.notes.push('Floe: not available yet (needs replicated Floe).');
  return out;
}

async function once(ctx: ScenarioContext, id: string, round: number, row: Comparison): Promise<void> {
  const sys = await ctx.start(id);
  if (sys === undefined) return;
  try {
    if (sys.killMember === undefined) throw new Error(`${id} cannot kill a member`);
    const write = writer(sys);
    await sleep(settleMs);
    if (!(await write(0))) throw new Error('the cluster did not accept a write before the kill');
    const killedAt = performance.now();
    await sys.killMember(0);
    for (let attempt = 1; performance.now() - killedAt < failoverTimeoutMs; attempt++) {
      // Members 1 and 2 survived; alternate between them.
      if (await write(1 + (attempt % 2))) {
        push(row, ctx.label(id), round, performance.now() - killedAt);
        ctx.ran(id);
        return;
      }
    }
    row.unsupported[ctx.label(id)] = `no write succeeded within ${failoverTimeoutMs} ms of the kill`;
  } catch (err) {
    ctx.fail(id, err instanceof Error ? err.message : String(err));
  } finally {
    await sys.stop();
  }
}

/** member index → did one write succeed there in time. */
function writer(sys: RunningSystem): (member: number) => Promise<boolean> {
  if (systems[sys.id]?.kind !== 'etcd') {
    // Replicated Floe plugs in here: a SET against member i through a RespClient.
    return () => Promise.reject(new Error(`no failover writer for ${sys.id} yet`));
  }
  let n = 0;
  return async (member) => {
    const url = sys.clientUrls[member];
    if (url === undefined) return false;
    const body = JSON.stringify({ key: Buffer.from(`failover-${n++}`).toString('base64'), value: Buffer.from('x').toString('base64') });
    try {
      const res = await fetch(`${url}/v3/kv/put`, { method: 'POST', body, signal: AbortSignal.timeout(attemptTimeoutMs) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  };
}
