// The systems under test: how to tell whether each is installed, how to start it on free
// loopback ports in its own directory, and how to stop it. A scenario lists system ids; a
// new system (3-node Floe) is added here once and every scenario that lists it picks it up.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RespClient, replyText } from './resp.ts';
import { diagnoseAll, distinctFreePorts, exited, freePort, logTail, run, startLogged, stopChild, waitUntil, which, type Started } from './proc.ts';
import { startFloeCluster } from './floe-cluster.ts';

/**
 * The repository: the nearest ancestor holding package.json. The harness runs from the sources
 * (bench/lib/) or compiled (dist/bench/lib/, `npm run bench`), so a fixed '../..' is not enough.
 */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '../..');
  }
}
const startTimeoutMs = 20_000;
const host = '127.0.0.1';
/** Floe's cluster bus listens on client port + this (ARCHITECTURE.md §2); keep it free too. */
const floeBusPortOffset = 10_000;

export type Availability =
  | { ok: true; version: string }
  | { ok: false; status: 'skipped' | 'unavailable'; reason: string; install?: string };

export type StartOptions = { dir: string; maxmemoryBytes?: number; policy?: string };

export type RunningSystem = {
  id: string;
  /** The RESP client port (RESP systems) or the leader's client URL port (etcd). */
  host: string;
  port: number;
  /** etcd: every member's client URL, the leader's first. */
  clientUrls: string[];
  /** RESP clusters (floe-3): every member's client port, the leader's first. */
  memberPorts: number[];
  /** The server processes; [0] is the one whose memory a scenario reads. */
  pids: number[];
  /** Clusters: SIGKILL member i (in the order of clientUrls/pids, 0 = the leader at start). */
  killMember?: (i: number) => Promise<void>;
  /** False once any of its processes has exited on its own. */
  alive(): boolean;
  /** Exit codes and the tail of the logs, for a report on why it died. */
  diagnose(): string;
  stop(): Promise<void>;
};

export type SystemDef = {
  id: string;
  label: string;
  kind: 'resp' | 'etcd';
  check(): Promise<Availability>;
  start(opts: StartOptions): Promise<RunningSystem>;
};

const notInstalled = (bin: string, pkg: string): Availability => ({
  ok: false,
  status: 'skipped',
  reason: `${bin} not found in PATH`,
  install: `apt-get install -y ${pkg}`,
});

async function redisVersion(): Promise<Availability> {
  if (which('redis-server') === undefined) return notInstalled('redis-server', 'redis-server');
  const out = await run('redis-server', ['--version']);
  const m = /v=(\S+)/.exec(out.stdout);
  return { ok: true, version: `redis-server ${m?.[1] ?? out.stdout.trim()}` };
}

async function startRedis(id: string, opts: StartOptions, durable: boolean): Promise<RunningSystem> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', host, '--dir', opts.dir, '--save', '', '--protected-mode', 'no', '--daemonize', 'no'];
  args.push(...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  if (opts.maxmemoryBytes !== undefined) args.push('--maxmemory', String(opts.maxmemoryBytes));
  if (opts.policy !== undefined) args.push('--maxmemory-policy', opts.policy);
  const started = startLogged('redis-server', args, { cwd: opts.dir, logFile: path.join(opts.dir, 'redis.log') });
  return respReady(id, started, port);
}

/** Waits until the server answers PING, or reports its log if it exits first. */
async function respReady(id: string, started: Started, port: number): Promise<RunningSystem> {
  const { child } = started;
  try {
    await waitUntil(`${id} on port ${port}`, startTimeoutMs, async () => {
      const c = await RespClient.connect(host, port, 1_000);
      try {
        return replyText(await c.call('PING')) === 'PONG';
      } finally {
        c.close();
      }
    }, () => (exited(child) ? `exited early (code ${String(child.exitCode)}): ${logTail(started.logFile)}` : undefined));
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    throw err;
  }
  return {
    id,
    host,
    port,
    clientUrls: [],
    memberPorts: [port],
    pids: [child.pid ?? 0],
    alive: () => !exited(child),
    diagnose: () => diagnoseAll([started]),
    stop: () => stopChild(child),
  };
}

const floeServer = path.join(repoRoot, 'src/cli/server.ts');
/**
 * How Floe servers are started: compiled (bin/floe.js, which runs dist/) when the harness itself
 * runs compiled, as `npm run bench` does right after building dist/; from the sources otherwise,
 * so a test run from the sources never measures a stale dist/. Single-node and 3-node Floe use
 * the same entry, so their figures compare like with like.
 */
const floeEntry = import.meta.url.endsWith('.js') ? path.join(repoRoot, 'bin/floe.js') : path.join(repoRoot, 'src/cli/main.ts');

/** Development only: FLOE_BENCH_STANDIN=redis runs redis-server where Floe should be, labelled so. */
function floeStandIn(): boolean {
  return process.env['FLOE_BENCH_STANDIN'] === 'redis';
}

async function floeVersion(): Promise<Availability> {
  if (floeStandIn()) {
    const r = await redisVersion();
    return r.ok ? { ok: true, version: `STAND-IN ${r.version} (FLOE_BENCH_STANDIN=redis): not Floe` } : r;
  }
  if (!fs.existsSync(floeServer)) {
    return { ok: false, status: 'unavailable', reason: 'the Floe server is not built yet (src/cli/server.ts is missing)' };
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version?: string };
  const rev = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot });
  // Others may be editing the tree: say so when the measured sources differ from the commit.
  const dirty = (await run('git', ['diff', '--quiet', 'HEAD', '--', 'src'], { cwd: repoRoot })).code === 1 ? ' + uncommitted src/ changes' : '';
  const commit = rev.code === 0 ? ` (${rev.stdout.trim()}${dirty})` : '';
  const build = floeEntry.endsWith('.js') ? 'dist' : 'sources';
  return { ok: true, version: `floe ${pkg.version ?? '?'}${commit} (${build}), node ${process.version}` };
}

/** 3-node Floe needs the real server: the Redis stand-in has no cluster. */
async function floe3Version(): Promise<Availability> {
  if (floeStandIn()) return { ok: false, status: 'unavailable', reason: 'FLOE_BENCH_STANDIN=redis has no 3-node stand-in' };
  return floeVersion();
}

function startFloe3(opts: StartOptions): Promise<RunningSystem> {
  return startFloeCluster({ id: 'floe-3', dir: opts.dir, entry: floeEntry, members: 3, host, startTimeoutMs });
}

async function startFloe(opts: StartOptions): Promise<RunningSystem> {
  if (floeStandIn()) return startRedis('floe', opts, false);
  const port = await freePort(floeBusPortOffset);
  const args = [floeEntry, 'server', '--port', String(port), '--bind', host];
  if (opts.maxmemoryBytes !== undefined) args.push('--maxmemory', String(opts.maxmemoryBytes));
  if (opts.policy !== undefined) args.push('--maxmemory-policy', opts.policy);
  // process.execPath is the Node that runs the harness (Node 24 with type stripping).
  const started = startLogged(process.execPath, args, { cwd: opts.dir, logFile: path.join(opts.dir, 'floe.log') });
  return respReady('floe', started, port);
}

export const systems: Record<string, SystemDef> = {
  floe: { id: 'floe', label: floeStandIn() ? 'Floe STAND-IN (redis-server)' : 'Floe', kind: 'resp', check: floeVersion, start: startFloe },
  'floe-3': {
    id: 'floe-3',
    label: 'Floe 3-node (fsync always)',
    kind: 'resp',
    check: floe3Version,
    start: startFloe3,
  },
  redis: { id: 'redis', label: 'Redis (no persistence)', kind: 'resp', check: redisVersion, start: (o) => startRedis('redis', o, false) },
  'redis-aof': {
    id: 'redis-aof',
    label: 'Redis (appendfsync always)',
    kind: 'resp',
    check: redisVersion,
    start: (o) => startRedis('redis-aof', o, true),
  },
  'etcd-3': { id: 'etcd-3', label: 'etcd 3-node', kind: 'etcd', check: etcdVersion, start: startEtcd },
};

async function etcdVersion(): Promise<Availability> {
  if (which('etcd') === undefined) return notInstalled('etcd', 'etcd-server');
  const out = await run('etcd', ['--version']);
  const m = /etcd Version:\s*(\S+)/.exec(out.stdout);
  return { ok: true, version: `etcd ${m?.[1] ?? out.stdout.split('\n')[0] ?? '?'}` };
}

const etcdMembers = 3;

const etcdStopGraceMs = 1_000;

/** Three etcd members on loopback, each with its own data dir; fsync stays on (no --unsafe-no-fsync). */
async function startEtcd(opts: StartOptions): Promise<RunningSystem> {
  const free = await distinctFreePorts(etcdMembers * 2);
  const ports = Array.from({ length: etcdMembers }, (_, i) => ({ client: free[2 * i] ?? 0, peer: free[2 * i + 1] ?? 0 }));
  const cluster = ports.map((p, i) => `n${i}=http://${host}:${p.peer}`).join(',');
  const token = `floe-bench-${process.pid}-${Date.now()}`;
  const children: Started[] = ports.map((p, i) => {
    const args = [
      '--name', `n${i}`, '--data-dir', path.join(opts.dir, `n${i}`),
      '--listen-client-urls', `http://${host}:${p.client}`, '--advertise-client-urls', `http://${host}:${p.client}`,
      '--listen-peer-urls', `http://${host}:${p.peer}`, '--initial-advertise-peer-urls', `http://${host}:${p.peer}`,
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token,
      '--logger', 'zap', '--log-level', 'warn',
    ];
    return startLogged('etcd', args, { cwd: opts.dir, logFile: path.join(opts.dir, `etcd-n${i}.log`) });
  });
  // A leader that lost a peer spends seconds trying to hand over leadership on SIGTERM; the
  // data is thrown away anyway, so a short grace period is enough.
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c.child, 'SIGTERM', etcdStopGraceMs)));
  };
  try {
    const urls = ports.map((p) => `http://${host}:${p.client}`);
    let leader = -1;
    await waitUntil('etcd-3 leader election', startTimeoutMs, async () => {
      leader = await etcdLeaderIndex(urls);
      return leader >= 0;
    }, () => {
      const dead = children.find((c) => exited(c.child));
      return dead === undefined ? undefined : `a member exited: ${logTail(dead.logFile)}`;
    });
    const order = [leader, ...urls.keys()].filter((v, i, a) => a.indexOf(v) === i);
    const leaderPort = ports[leader]?.client ?? 0;
    return {
      id: 'etcd-3',
      host,
      port: leaderPort,
      clientUrls: order.map((i) => urls[i] ?? ''),
      memberPorts: order.map((i) => ports[i]?.client ?? 0),
      pids: order.map((i) => children[i]?.child.pid ?? 0),
      killMember: async (i) => {
        const c = children[order[i] ?? -1];
        if (c !== undefined) await stopChild(c.child, 'SIGKILL');
      },
      // A member killed on purpose (failover) does not count as the cluster dying.
      alive: () => children.filter((c) => !exited(c.child)).length >= 2,
      diagnose: () => diagnoseAll(children),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

type EtcdStatus = { header?: { member_id?: string }; leader?: string };

/** The index of the member that is the leader, -1 if the members do not agree on one yet. */
export async function etcdLeaderIndex(urls: readonly string[]): Promise<number> {
  const statuses = await Promise.all(urls.map(async (u) => {
    const res = await fetch(`${u}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as EtcdStatus;
  }));
  const leaderId = statuses[0]?.leader;
  if (leaderId === undefined || leaderId === '0') return -1;
  if (!statuses.every((s) => s.leader === leaderId)) return -1;
  return statuses.findIndex((s) => s.header?.member_id === leaderId);
}
