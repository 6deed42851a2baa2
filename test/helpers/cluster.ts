// A replicated Floe cluster of real processes for whole-process tests: N `floe server`
// nodes on free loopback ports, each with its own temp dir, plus the faults the tests need —
// kill -9, SIGSTOP/SIGCONT, restart, wipe, and a TCP proxy per (from, to) pair of nodes on
// the cluster bus that can black-hole traffic to make partitions. Everything started here is
// stopped by close(), and by a process exit hook if a test dies first.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { AdminClient, parseInfo, type Plain } from '../../src/cli/resp-client.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const READY_TIMEOUT_MS = 20_000; // a node on a busy 2-core machine may take a while to boot
const QUERY_TIMEOUT_MS = 2_000; // an admin query to a paused node gives up after this
const STOP_GRACE_MS = 5_000; // SIGTERM, then SIGKILL after this
const POLL_MS = 50;
const OUTPUT_BYTES_MAX = 4 * 1024 * 1024; // per process; older output is dropped

const everyChild = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of everyChild) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
});

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns a non-undefined value, or throws after timeoutMs naming `what`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === null ? '' : `: ${String(last)}`}`);
    await sleep(POLL_MS * 4);
  }
}

/** `count` distinct ports that were free a moment ago (held together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      const a = srv.address();
      ports.push(typeof a === 'object' && a !== null ? a.port : 0);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
  return ports;
}

/** Runs one command on host:port with a timeout; errors come back as { error }. */
export async function query(port: number, args: string[], timeoutMs = QUERY_TIMEOUT_MS): Promise<Plain> {
  let c: AdminClient | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    const timeout = new Promise<Plain>((resolve) => {
      timer = setTimeout(() => resolve({ error: `timeout after ${timeoutMs} ms` }), timeoutMs);
    });
    const run = async (): Promise<Plain> => {
      c = await AdminClient.open('127.0.0.1', port, timeoutMs);
      return c.call(...args);
    };
    return await Promise.race([run().catch((e: unknown) => ({ error: String(e) })), timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
    (c as AdminClient | null)?.close();
  }
}

/** INFO <section> of a node as a map; throws if the node does not answer. */
export async function info(port: number, section: string): Promise<Map<string, string>> {
  const r = await query(port, ['INFO', section]);
  if (typeof r !== 'string') throw new Error(`INFO ${section} on ${port} failed: ${JSON.stringify(r)}`);
  return parseInfo(r);
}

// ---- the bus proxy ------------------------------------------------------------------------

/**
 * A TCP relay on the bus between one node and another. `blocked` black-holes it: bytes are
 * read and dropped both ways (as a network partition would: no reset, no error), and new
 * connections are accepted but never relayed. Healing destroys the connections that lost
 * bytes, so both ends reconnect with a clean byte stream, as after a real TCP timeout.
 */
export class BusProxy {
  readonly port: number;
  private readonly target: number;
  private readonly server: Server;
  private readonly pairs = new Set<{ a: Socket; b: Socket | null; dirty: boolean }>();
  blocked = false;

  private constructor(server: Server, port: number, target: number) {
    this.server = server;
    this.port = port;
    this.target = target;
  }

  static async start(port: number, target: number): Promise<BusProxy> {
    const server = createServer();
    const proxy = new BusProxy(server, port, target);
    server.on('connection', (s) => proxy.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  private accept(a: Socket): void {
    const pair: { a: Socket; b: Socket | null; dirty: boolean } = { a, b: null, dirty: false };
    this.pairs.add(pair);
    const end = () => {
      a.destroy();
      pair.b?.destroy();
      this.pairs.delete(pair);
    };
    a.on('error', end);
    a.on('close', end);
    if (this.blocked) {
      pair.dirty = true;
      a.on('data', () => {});
      return;
    }
    const b = connect({ host: '127.0.0.1', port: this.target });
    pair.b = b;
    b.on('error', end);
    b.on('close', end);
    a.on('data', (d: Buffer) => {
      if (this.blocked) pair.dirty = true;
      else b.write(d);
    });
    b.on('data', (d: Buffer) => {
      if (this.blocked) pair.dirty = true;
      else a.write(d);
    });
  }

  block(): void {
    this.blocked = true;
    for (const p of this.pairs) p.dirty = true;
  }

  heal(): void {
    this.blocked = false;
    for (const p of [...this.pairs]) {
      if (!p.dirty) continue;
      p.a.destroy();
      p.b?.destroy();
      this.pairs.delete(p);
    }
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.a.destroy();
      p.b?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

// ---- nodes ----------------------------------------------------------------------------------

export interface TestNode {
  readonly name: string;
  readonly port: number;
  readonly busPort: number;
  dir: string;
  /** Extra flags for this node (after the cluster's). */
  extra: string[];
  /** The --peers string this node starts with. */
  peers: string;
  proc: ChildProcess | null;
  paused: boolean;
  /** Output of every run of this node, newest last. */
  log: string;
}

export interface ClusterOptions {
  nodes?: number;
  /** Flags for every node, e.g. ['--fsync', 'everysec']. */
  extra?: string[];
  /** Put a BusProxy on every (from, to) pair of nodes, for partitions. */
  proxied?: boolean;
  /** A data dir for some nodes (e.g. on a tiny tmpfs); the others get one under the temp root. */
  dirs?: Record<string, string>;
}

export class TestCluster {
  readonly nodes: TestNode[] = [];
  readonly root: string;
  private readonly extra: string[];
  /** proxies.get(`${from}>${to}`): the relay `from` dials to reach `to`. */
  private readonly proxies = new Map<string, BusProxy>();
  private readonly clients = new Set<Redis>();

  private constructor(extra: string[]) {
    this.root = mkdtempSync(join(tmpdir(), 'floe-cluster-'));
    this.extra = extra;
  }

  /** Starts an N-node cluster and waits until it has a leader. */
  static async start(opts: ClusterOptions = {}): Promise<TestCluster> {
    const n = opts.nodes ?? 3;
    const c = new TestCluster(opts.extra ?? []);
    try {
      const pairs = opts.proxied === true ? n * (n - 1) : 0;
      const ports = await freePorts(2 * n + pairs);
      const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
      names.forEach((name, i) => {
        c.nodes.push({
          name, port: ports[i] as number, busPort: ports[n + i] as number, dir: opts.dirs?.[name] ?? join(c.root, name),
          extra: [], peers: '', proc: null, paused: false, log: '',
        });
      });
      let next = 2 * n;
      for (const from of c.nodes) {
        const parts = c.nodes.map((to) => {
          let bus = to.busPort;
          if (opts.proxied === true && to !== from) {
            const port = ports[next++] as number;
            c.proxies.set(`${from.name}>${to.name}`, { port } as BusProxy);
            bus = port;
          }
          return `${to.name}=127.0.0.1:${to.port}@${bus}`;
        });
        from.peers = parts.join(',');
      }
      for (const [key, p] of c.proxies) {
        const to = c.node(key.split('>')[1] as string);
        c.proxies.set(key, await BusProxy.start(p.port, to.busPort));
      }
      await Promise.all(c.nodes.map((node) => c.startNode(node.name)));
      await c.waitForLeader();
      return c;
    } catch (e) {
      await c.close();
      throw e;
    }
  }

  node(name: string): TestNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  /** Live (running, not paused) nodes. */
  live(): TestNode[] {
    return this.nodes.filter((n) => n.proc !== null && !n.paused);
  }

  args(node: TestNode): string[] {
    return ['server', '--id', node.name, '--port', String(node.port), '--peers', node.peers, '--dir', node.dir,
      '--bind', '127.0.0.1', ...this.extra, ...node.extra];
  }

  /** Starts (or restarts) a node's process and waits until it accepts clients. */
  async startNode(name: string): Promise<TestNode> {
    const node = this.node(name);
    if (node.proc !== null) throw new Error(`${name} is already running`);
    const proc = spawn(process.execPath, [MAIN, ...this.args(node)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    everyChild.add(proc);
    node.proc = proc;
    node.paused = false;
    node.log += `\n---- start ${name} at ${new Date().toISOString()}\n`;
    const append = (d: Buffer) => {
      node.log += d.toString();
      if (node.log.length > OUTPUT_BYTES_MAX) node.log = node.log.slice(-OUTPUT_BYTES_MAX / 2);
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    proc.on('exit', (code, signal) => {
      everyChild.delete(proc);
      node.log += `\n---- ${name} exited (${signal ?? code})\n`;
      if (node.proc === proc) node.proc = null;
    });
    const runLog = () => node.log.slice(node.log.lastIndexOf('---- start'));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!runLog().includes('ready on')) {
      if (node.proc !== proc) throw new Error(`${name} exited early: ${runLog()}`);
      if (Date.now() > deadline) throw new Error(`${name} did not start: ${runLog()}`);
      await sleep(25);
    }
    return node;
  }

  /** Sends a signal and, for SIGKILL/SIGTERM, waits for the exit. */
  async signal(name: string, sig: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const node = this.node(name);
    const proc = node.proc;
    if (proc === null) return;
    if (sig === 'SIGSTOP') node.paused = true;
    if (sig === 'SIGCONT') node.paused = false;
    if (sig === 'SIGKILL' || sig === 'SIGTERM') {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      if (node.paused) proc.kill('SIGCONT');
      node.paused = false;
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      proc.kill(sig);
      await exited;
      clearTimeout(timer);
      return;
    }
    proc.kill(sig);
  }

  kill(name: string): Promise<void> {
    return this.signal(name, 'SIGKILL');
  }

  async restart(name: string): Promise<TestNode> {
    await this.signal(name, 'SIGTERM');
    return this.startNode(name);
  }

  /** Deletes a stopped node's data dir. */
  wipe(name: string): void {
    const node = this.node(name);
    if (node.proc !== null) throw new Error(`stop ${name} before wiping it`);
    rmSync(node.dir, { recursive: true, force: true });
  }

  /** Adds a node that is not yet a member (starts it with --join yes); returns it, not yet started. */
  async newNode(name: string): Promise<TestNode> {
    const [port, busPort] = (await freePorts(2)) as [number, number];
    const node: TestNode = { name, port, busPort, dir: join(this.root, name), extra: ['--join', 'yes'], peers: '', proc: null, paused: false, log: '' };
    this.nodes.push(node);
    node.peers = this.nodes.map((n) => `${n.name}=127.0.0.1:${n.port}@${n.busPort}`).join(',');
    return node;
  }

  // ---- partitions ---------------------------------------------------------------------

  /** Cuts every bus link between `name` and the other nodes, both ways. */
  isolate(name: string): void {
    for (const [key, p] of this.proxies) if (key.split('>').includes(name)) p.block();
    if (this.proxies.size === 0) throw new Error('isolate needs a cluster started with proxied: true');
  }

  heal(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  // ---- observing ------------------------------------------------------------------------

  async raft(name: string): Promise<Map<string, string>> {
    return info(this.node(name).port, 'raft');
  }

  /** The node every live node (of `among`) names as leader, which itself says it leads; undefined if none yet. */
  async currentLeader(among: TestNode[] = this.live()): Promise<TestNode | undefined> {
    const views = await Promise.all(among.map(async (n) => {
      try {
        return { n, r: await this.raft(n.name) };
      } catch {
        return null;
      }
    }));
    const leaders = views.filter((v) => v !== null && v.r.get('raft_role') === 'leader');
    if (leaders.length !== 1) return undefined;
    const leader = (leaders[0] as { n: TestNode }).n;
    const agree = views.filter((v) => v !== null && v.r.get('raft_leader') === leader.name).length;
    return agree * 2 > among.length ? leader : undefined;
  }

  async waitForLeader(timeoutMs = 20_000, among?: TestNode[]): Promise<TestNode> {
    return eventually('a leader', timeoutMs, () => this.currentLeader(among));
  }

  /** Waits until every node in `among` has applied at least the leader's current commit index. */
  async waitForCatchUp(among: TestNode[] = this.live(), timeoutMs = 30_000): Promise<number> {
    const leader = await this.waitForLeader(timeoutMs, among);
    const commit = Number((await this.raft(leader.name)).get('raft_commit_index'));
    return eventually(`${among.map((n) => n.name).join(',')} to apply index ${commit}`, timeoutMs, async () => {
      const applied = await Promise.all(among.map(async (n) => Number((await this.raft(n.name)).get('raft_applied_index'))));
      return applied.every((a) => a >= commit) ? commit : undefined;
    });
  }

  /** An ioredis client to one node, closed by close(); no retries, so faults show as errors. */
  client(name: string, opts: { commandTimeoutMs?: number } = {}): Redis {
    const r = new Redis({
      port: this.node(name).port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0,
      retryStrategy: () => null, enableOfflineQueue: true, commandTimeout: opts.commandTimeoutMs ?? 10_000,
    });
    r.on('error', () => {});
    this.clients.add(r);
    return r;
  }

  /** The tail of every node's log, for a failure message. */
  logs(lines = 30): string {
    return this.nodes.map((n) => `==== ${n.name}\n${n.log.split('\n').slice(-lines).join('\n')}`).join('\n');
  }

  /** Stops every process, proxy and client and removes the temp dirs. */
  async close(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    this.clients.clear();
    await Promise.all(this.nodes.map((n) => this.signal(n.name, 'SIGKILL').catch(() => {})));
    await Promise.all([...this.proxies.values()].map((p) => (p instanceof BusProxy ? p.close() : Promise.resolve())));
    rmSync(this.root, { recursive: true, force: true });
  }
}

// ---- a write load that remembers what was acknowledged -----------------------------------

export interface LoadStats {
  acked: number;
  failed: number;
  /** Errors by their first word (TRYAGAIN, CLUSTERDOWN, Connection...), for the test log. */
  errors: Map<string, number>;
}

/**
 * Workers writing unique keys (SET load:<w>:<i>) and per-worker counters (INCR), each through
 * its own ioredis connection; on any error a worker moves to the next node. Every acknowledged
 * SET is remembered, and for each counter the largest acknowledged value and the number of
 * attempts whose outcome is unknown.
 */
export class WriteLoad {
  readonly acked = new Map<string, string>();
  readonly counters: { maxAcked: number; attempts: number }[] = [];
  /** [sentAtMs, ackedAtMs] of every acknowledged write. */
  readonly ackTimes: [number, number][] = [];
  readonly stats: LoadStats = { acked: 0, failed: 0, errors: new Map() };
  private readonly cluster: TestCluster;
  private running = true;
  private readonly done: Promise<void>[] = [];
  private readonly valueBytes: number;
  private readonly prefix: string;

  constructor(cluster: TestCluster, workers: number, opts: { valueBytes?: number; prefix?: string } = {}) {
    this.cluster = cluster;
    this.valueBytes = opts.valueBytes ?? 16;
    this.prefix = opts.prefix ?? 'load';
    for (let w = 0; w < workers; w++) {
      this.counters.push({ maxAcked: 0, attempts: 0 });
      this.done.push(this.worker(w));
    }
  }

  private async worker(w: number): Promise<void> {
    let at = w;
    let client: Redis | null = null;
    for (let i = 0; this.running; i++) {
      const live = this.cluster.nodes.filter((n) => n.proc !== null);
      if (client === null) {
        const node = live[at % Math.max(1, live.length)];
        if (node === undefined) {
          await sleep(POLL_MS);
          continue;
        }
        client = this.cluster.client(node.name, { commandTimeoutMs: 5_000 });
      }
      const sentAt = Date.now();
      const counter = this.counters[w] as { maxAcked: number; attempts: number };
      try {
        if (i % 2 === 0) {
          const key = `${this.prefix}:${w}:${i}`;
          const value = `${i}:`.padEnd(this.valueBytes, 'v');
          await client.set(key, value);
          this.acked.set(key, value);
        } else {
          counter.attempts++;
          const v = await client.incr(`${this.prefix}:ctr:${w}`);
          counter.maxAcked = Math.max(counter.maxAcked, v);
        }
        this.ackTimes.push([sentAt, Date.now()]);
        this.stats.acked++;
      } catch (e) {
        this.stats.failed++;
        const word = String((e as Error).message).split(' ')[0] ?? '?';
        this.stats.errors.set(word, (this.stats.errors.get(word) ?? 0) + 1);
        client.disconnect();
        client = null;
        at++;
        await sleep(POLL_MS);
      }
    }
    client?.disconnect();
  }

  /** The first write sent at or after `t` that was acknowledged: its ack time, or null. */
  firstAckSentAfter(t: number): number | null {
    let best: number | null = null;
    for (const [sent, acked] of this.ackTimes) if (sent >= t && (best === null || acked < best)) best = acked;
    return best;
  }

  async waitForAcks(count: number, timeoutMs: number): Promise<void> {
    const target = this.stats.acked + count;
    await eventually(`${count} more acknowledged writes`, timeoutMs, async () => (this.stats.acked >= target ? true : undefined));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.done);
  }

  /** Checks every acknowledged write on one node (READONLY: that node's own replica); returns problems. */
  async verify(node: TestNode): Promise<string[]> {
    const r = this.cluster.client(node.name, { commandTimeoutMs: 30_000 });
    await r.call('READONLY');
    const problems: string[] = [];
    const keys = [...this.acked.keys()];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const values = await r.mget(...chunk);
      chunk.forEach((k, j) => {
        if (values[j] !== this.acked.get(k)) problems.push(`${node.name}: ${k} is ${String(values[j])}, acknowledged ${this.acked.get(k) ?? ''}`);
      });
    }
    for (const [w, c] of this.counters.entries()) {
      const v = Number(await r.get(`${this.prefix}:ctr:${w}`));
      if (v < c.maxAcked || v > c.attempts) problems.push(`${node.name}: counter ${w} is ${v}, acknowledged ${c.maxAcked}, attempts ${c.attempts}`);
    }
    r.disconnect();
    return problems;
  }
}
