// Replicated Floe as a system under test: N `floe server` processes on loopback, each with its
// own data dir, fsync always, client and cluster-bus ports all chosen free (`--peers` names
// every bus port with `@busport`), ready once a leader accepts a write. Load goes to the leader.

import fs from 'node:fs';
import path from 'node:path';
import { RespClient, parseInfo, replyText } from './resp.ts';
import { diagnoseAll, distinctFreePorts, exited, logTail, startLogged, stopChild, waitUntil, type Started } from './proc.ts';
import type { RunningSystem } from './systems.ts';

/** SIGTERM, then SIGKILL after this long: the data is thrown away, a clean shutdown buys nothing. */
const stopGraceMs = 3_000;
/** One INFO or SET while probing for a leader; a node still loading may be slow. */
const probeTimeoutMs = 1_000;

export type ClusterOptions = {
  id: string;
  dir: string;
  /** bin/floe.js or src/cli/main.ts, run by this Node. */
  entry: string;
  members: number;
  host: string;
  startTimeoutMs: number;
};

export async function startFloeCluster(o: ClusterOptions): Promise<RunningSystem> {
  const free = await distinctFreePorts(o.members * 2);
  const nodes = Array.from({ length: o.members }, (_, i) => ({ name: `n${i + 1}`, port: free[2 * i] ?? 0, bus: free[2 * i + 1] ?? 0 }));
  const peers = nodes.map((n) => `${n.name}=${o.host}:${n.port}@${n.bus}`).join(',');
  const children: Started[] = nodes.map((n) => {
    const dir = path.join(o.dir, n.name);
    fs.mkdirSync(dir, { recursive: true });
    const args = [o.entry, 'server', '--id', n.name, '--port', String(n.port), '--bind', o.host, '--peers', peers, '--dir', dir, '--fsync', 'always'];
    return startLogged(process.execPath, args, { cwd: dir, logFile: path.join(o.dir, `${n.name}.log`) });
  });
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c.child, 'SIGTERM', stopGraceMs)));
  };
  try {
    let leader = -1;
    await waitUntil(`${o.id} leader election`, o.startTimeoutMs, async () => {
      leader = await respLeaderIndex(o.host, nodes.map((n) => n.port));
      return leader >= 0 && (await acceptsWrite(o.host, nodes[leader]?.port ?? 0));
    }, () => {
      const dead = children.find((c) => exited(c.child));
      return dead === undefined ? undefined : `a member exited: ${logTail(dead.logFile)}`;
    });
    const order = [leader, ...nodes.keys()].filter((v, i, a) => a.indexOf(v) === i);
    return {
      id: o.id,
      host: o.host,
      port: nodes[leader]?.port ?? 0,
      clientUrls: [],
      memberPorts: order.map((i) => nodes[i]?.port ?? 0),
      pids: order.map((i) => children[i]?.child.pid ?? 0),
      killMember: async (i) => {
        const c = children[order[i] ?? -1];
        if (c !== undefined) await stopChild(c.child, 'SIGKILL');
      },
      // A member killed on purpose (failover) does not count as the cluster dying.
      alive: () => children.filter((c) => !exited(c.child)).length > o.members / 2,
      diagnose: () => diagnoseAll(children),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The index of the node whose INFO raft says it leads and that the others agree on; -1 if none. */
export async function respLeaderIndex(host: string, ports: readonly number[]): Promise<number> {
  const infos = await Promise.all(ports.map(async (port) => {
    try {
      return await raftInfo(host, port);
    } catch {
      return new Map<string, string>();
    }
  }));
  const leader = infos.findIndex((i) => i.get('raft_role') === 'leader');
  if (leader < 0) return -1;
  const name = infos[leader]?.get('raft_node');
  return infos.every((i) => i.size === 0 || i.get('raft_leader') === name) ? leader : -1;
}

async function raftInfo(host: string, port: number): Promise<Map<string, string>> {
  const c = await RespClient.connect(host, port, probeTimeoutMs);
  try {
    return parseInfo(replyText(await withTimeout(c.call('INFO', 'raft'), probeTimeoutMs)));
  } finally {
    c.close();
  }
}

async function acceptsWrite(host: string, port: number): Promise<boolean> {
  const c = await RespClient.connect(host, port, probeTimeoutMs);
  try {
    return replyText(await withTimeout(c.call('SET', 'bench:ready', '1'), probeTimeoutMs)) === 'OK';
  } finally {
    c.close();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}
