// Cluster-facing commands: READONLY/READWRITE, WAIT, and the CLUSTER subcommands that
// cluster-aware clients and `floe cluster` use. A single node answers them as a one-node
// cluster that owns every slot; a replicated node answers from its Raft group.

import { BUS_PORT_OFFSET } from '../cluster/peers.ts';
import { keySlot, SLOTS } from '../cluster/slots.ts';
import { cmd, F, type CommandSpec, type ExecContext } from '../commands/types.ts';
import { parseInteger } from '../commands/args.ts';
import { err, ERR_NOT_INTEGER, MapReply, OK, SimpleString, VerbatimReply, type Reply } from '../protocol/reply.ts';
import type { ClientState } from './client-state.ts';
import type { Replication } from './replication.ts';

export interface ClusterHost {
  replication: Replication | null;
  /** This node's client address, as clients should reach it. */
  clientAddress(): { host: string; port: number };
  runId: string;
}

const L = F.LOCAL;
const g = 'cluster';
const WAIT_POLL_MS = 10; // how often WAIT re-reads the leader's progress

function client(ctx: ExecContext): ClientState {
  return ctx.client as ClientState;
}

interface NodeView {
  name: string;
  host: string;
  port: number;
  busPort: number;
  role: 'master' | 'slave';
  self: boolean;
  offset: number;
}

function nodes(h: ClusterHost): NodeView[] {
  const repl = h.replication;
  if (repl === null) {
    const a = h.clientAddress();
    return [{ name: h.runId, host: a.host, port: a.port, busPort: a.port + BUS_PORT_OFFSET, role: 'master', self: true, offset: 0 }];
  }
  const st = repl.group.raft.status();
  const members = new Set([...st.confState.voters, ...st.confState.learners, ...st.confState.votersOutgoing]);
  return repl.peers.filter((p) => members.has(p.id)).map((p) => ({
    name: p.name, host: p.host, port: p.port, busPort: p.busPort, role: p.id === repl.leader ? 'master' : 'slave',
    self: p.id === repl.self.id, offset: st.progress?.get(p.id)?.match ?? (p.id === repl.self.id ? repl.group.applied : 0),
  }));
}

function shardNode(n: NodeView): Reply {
  return new MapReply([
    'id', n.name, 'port', n.port, 'ip', n.host, 'endpoint', n.host, 'role', n.role === 'master' ? 'master' : 'replica',
    'replication-offset', n.offset, 'health', 'online',
  ]);
}

function clusterInfo(h: ClusterHost): string {
  const repl = h.replication;
  const ok = repl === null || repl.leader !== 0;
  const st = repl?.group.raft.status();
  return [
    `cluster_enabled:${repl === null ? 0 : 1}`, `cluster_state:${ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${SLOTS}`, `cluster_slots_ok:${ok ? SLOTS : 0}`, 'cluster_slots_pfail:0', `cluster_slots_fail:${ok ? 0 : SLOTS}`,
    `cluster_known_nodes:${nodes(h).length}`, 'cluster_size:1', `cluster_current_epoch:${st?.term ?? 0}`, `cluster_my_epoch:${st?.term ?? 0}`,
  ].join('\r\n') + '\r\n';
}

function clusterNodes(h: ClusterHost): string {
  const all = nodes(h);
  const master = all.find((n) => n.role === 'master');
  return all.map((n) => {
    const flags = `${n.self ? 'myself,' : ''}${n.role}`;
    const of = n.role === 'master' ? '-' : (master?.name ?? '-');
    const slots = n.role === 'master' ? ` 0-${SLOTS - 1}` : '';
    return `${n.name} ${n.host}:${n.port}@${n.busPort} ${flags} ${of} 0 0 1 connected${slots}`;
  }).join('\n') + '\n';
}

async function wait(h: ClusterHost, ctx: ExecContext, args: string[]): Promise<Reply> {
  const want = parseInteger(args[1] as string);
  const timeoutMs = parseInteger(args[2] as string);
  if (want === null || timeoutMs === null) return ERR_NOT_INTEGER;
  if (timeoutMs < 0) return err('ERR timeout is negative');
  const repl = h.replication;
  if (repl === null) return 0;
  const index = client(ctx).lastWriteIndex;
  const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
  while (true) {
    const n = repl.isLeader ? repl.replicasHolding(index) : 0;
    if (n >= want || Date.now() >= deadline || !repl.isLeader) return n;
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

const MEMBERSHIP_TIMEOUT_MS = 120_000; // a new member must catch up within this

async function membership(h: ClusterHost, change: (repl: Replication) => Promise<string | null>): Promise<Reply> {
  const repl = h.replication;
  if (repl === null) return err('ERR this node is not replicated');
  if (!repl.isLeader) return err(`ERR not the leader; send this to ${repl.peerName(repl.leader) || 'the leader'}`);
  try {
    const problem = await change(repl);
    return problem === null ? OK : err(problem);
  } catch (e) {
    return err(`ERR ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function clusterCommands(h: ClusterHost): CommandSpec[] {
  const subs: CommandSpec[] = [
    cmd({ name: 'cluster|keyslot', arity: 3, flags: L | F.FAST, group: g, since: '3.0.0', summary: 'Returns the hash slot for a key.',
      handler: (_c, a) => keySlot(a[2] as string) }),
    cmd({ name: 'cluster|myid', arity: 2, flags: L, group: g, since: '3.0.0', summary: 'Returns the ID of a node.',
      handler: () => h.replication?.self.name ?? h.runId }),
    cmd({ name: 'cluster|info', arity: 2, flags: L, group: g, since: '3.0.0', summary: 'Returns information about the state of a node.',
      handler: () => new VerbatimReply(clusterInfo(h)) }),
    cmd({ name: 'cluster|nodes', arity: 2, flags: L, group: g, since: '3.0.0', summary: 'Returns the cluster configuration for a node.',
      handler: () => new VerbatimReply(clusterNodes(h)) }),
    cmd({ name: 'cluster|shards', arity: 2, flags: L, group: g, since: '7.0.0', summary: 'Returns the mapping of cluster slots to shards.',
      handler: () => [new MapReply(['slots', [0, SLOTS - 1], 'nodes', nodes(h).map(shardNode)])] }),
    cmd({ name: 'cluster|slots', arity: 2, flags: L, group: g, since: '3.0.0', summary: 'Returns the mapping of cluster slots to nodes.',
      handler: () => {
        const all = nodes(h);
        const ordered = [...all.filter((n) => n.role === 'master'), ...all.filter((n) => n.role !== 'master')];
        return [[0, SLOTS - 1, ...ordered.map((n) => [n.host, n.port, n.name])]];
      } }),
    cmd({ name: 'cluster|transferleader', arity: 3, flags: L | F.ADMIN, group: g, since: '7.2.0', summary: 'Moves Raft leadership to the named node (Floe).',
      handler: (_c, a) => {
        const repl = h.replication;
        if (repl === null) return err('ERR this node is not replicated');
        const target = repl.peers.find((p) => p.name === a[2]);
        if (target === undefined) return err(`ERR unknown node '${a[2] as string}'`);
        if (!repl.isLeader) return err(`ERR not the leader; send this to ${repl.peerName(repl.leader) || 'the leader'}`);
        const r = repl.group.raft.transferLeader(target.id);
        repl.wake();
        return r.ok ? OK : err(`ERR transfer refused: ${r.reason}`);
      } }),
    cmd({ name: 'cluster|addnode', arity: 4, flags: L | F.ADMIN, group: g, since: '7.2.0', summary: 'Adds a node: learner first, then voter through joint consensus (Floe).',
      handler: (_c, a) => membership(h, (repl) => repl.addNode(a[2] as string, a[3] as string, MEMBERSHIP_TIMEOUT_MS)) }),
    cmd({ name: 'cluster|removenode', arity: 3, flags: L | F.ADMIN, group: g, since: '7.2.0', summary: 'Removes a node through joint consensus (Floe).',
      handler: (_c, a) => membership(h, (repl) => repl.removeNode(a[2] as string, MEMBERSHIP_TIMEOUT_MS)) }),
    cmd({ name: 'cluster|help', arity: 2, flags: L, group: g, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
      handler: () => ['CLUSTER <subcommand> [<arg> ...]. Subcommands are:', 'INFO', 'MYID', 'NODES', 'SHARDS', 'SLOTS', 'KEYSLOT <key>',
        'TRANSFERLEADER <node>', 'ADDNODE <node> <host:port[@busport]>', 'REMOVENODE <node>', 'HELP'].map((s) => new SimpleString(s)) }),
  ];
  return [
    cmd({ name: 'cluster', arity: -2, flags: L, group: g, since: '3.0.0', summary: 'A container for Redis Cluster commands.', subcommands: subs,
      handler: () => err('ERR syntax error') }),
    cmd({ name: 'readonly', arity: 1, flags: L | F.FAST, group: g, since: '3.0.0', summary: 'Enables read-only queries for a connection to a Redis Cluster replica node.',
      handler: (ctx) => {
        client(ctx).readonlyReplicaReads = true;
        return OK;
      } }),
    cmd({ name: 'readwrite', arity: 1, flags: L | F.FAST, group: g, since: '3.0.0', summary: 'Enables read-write queries for a connection to a Reids Cluster replica node.',
      handler: (ctx) => {
        client(ctx).readonlyReplicaReads = false;
        return OK;
      } }),
    cmd({ name: 'wait', arity: 3, flags: L | F.NO_MULTI, group: 'generic', since: '3.0.0', summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.',
      handler: (ctx, a) => wait(h, ctx, a) }),
  ];
}
