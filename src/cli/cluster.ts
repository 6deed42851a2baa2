// `floe cluster status|add-node|remove-node|transfer-leader`: operate a replicated cluster
// through any one node's client port. Membership changes go to the leader, found from that
// node's INFO raft and CLUSTER NODES.

import { AdminClient, parseInfo, type Plain } from './resp-client.ts';

const USAGE = `usage: floe cluster <command> [--node host:port]
  status                               members, roles, term, commit/applied, lag
  add-node <name> <host:port[@bus]>    start the node first with --join yes; it joins as a learner, catches up, becomes a voter
  remove-node <name>                   takes the node out through joint consensus
  transfer-leader <name>               moves leadership to <name>
--node defaults to 127.0.0.1:6379.`;

const REPLY_TIMEOUT_MS = 3000; // a node that does not answer in this time (paused, overloaded) is shown as such

/** A reply, or an error once timeoutMs passed (a paused process accepts connections but never answers). */
async function callWithin(c: AdminClient, timeoutMs: number, ...args: string[]): Promise<Plain> {
  let timer: NodeJS.Timeout | null = null;
  const late = new Promise<Plain>((resolve) => {
    timer = setTimeout(() => resolve({ error: `no reply within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([c.call(...args), late]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad address '${s}' (host:port)`);
  return { host: s.slice(0, i), port };
}

function text(v: Plain): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && 'error' in v) throw new Error(v.error);
  return JSON.stringify(v);
}

interface Member {
  name: string;
  addr: string;
}

async function members(c: AdminClient): Promise<Member[]> {
  return text(await callWithin(c, REPLY_TIMEOUT_MS, 'CLUSTER', 'NODES')).trim().split('\n').filter((l) => l !== '').map((l) => {
    const [name = '', addr = ''] = l.split(' ');
    return { name, addr: addr.split('@')[0] ?? '' };
  });
}

async function status(node: { host: string; port: number }): Promise<number> {
  const first = await AdminClient.open(node.host, node.port, REPLY_TIMEOUT_MS);
  let list: Member[];
  try {
    list = await members(first);
  } finally {
    first.close(); // an open socket would keep the process from exiting on an error
  }
  const rows: string[][] = [['node', 'address', 'role', 'term', 'leader', 'commit', 'applied', 'last', 'lag']];
  for (const m of list) {
    const { host, port } = hostPort(m.addr);
    try {
      const c = await AdminClient.open(host, port, REPLY_TIMEOUT_MS);
      let reply: Plain;
      try {
        reply = await callWithin(c, REPLY_TIMEOUT_MS, 'INFO', 'raft');
      } finally {
        c.close();
      }
      const info = parseInfo(text(reply));
      const commit = Number(info.get('raft_commit_index') ?? 0);
      const applied = Number(info.get('raft_applied_index') ?? 0);
      rows.push([m.name, m.addr, info.get('raft_role') ?? '?', info.get('raft_term') ?? '?', info.get('raft_leader') ?? '',
        String(commit), String(applied), info.get('raft_last_index') ?? '?', String(commit - applied)]);
    } catch (e) {
      rows.push([m.name, m.addr, `unreachable (${(e as Error).message})`, '', '', '', '', '', '']);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n');
  return 0;
}

/** Sends a CLUSTER subcommand to the current leader. */
async function toLeader(node: { host: string; port: number }, args: string[]): Promise<number> {
  const c = await AdminClient.open(node.host, node.port, REPLY_TIMEOUT_MS);
  let leader: Member | undefined;
  try {
    const leaderName = parseInfo(text(await callWithin(c, REPLY_TIMEOUT_MS, 'INFO', 'raft'))).get('raft_leader') ?? '';
    leader = (await members(c)).find((m) => m.name === leaderName);
  } finally {
    c.close();
  }
  if (leader === undefined) throw new Error('no leader is known right now; try again');
  const { host, port } = hostPort(leader.addr);
  const lc = await AdminClient.open(host, port, REPLY_TIMEOUT_MS);
  try {
    // Membership changes wait for a learner to catch up: no timeout here (the server bounds it).
    process.stdout.write(`${text(await lc.call('CLUSTER', ...args))}\n`);
  } finally {
    lc.close();
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const args = [...argv];
  let node = { host: '127.0.0.1', port: 6379 };
  const at = args.indexOf('--node');
  try {
    if (at >= 0) {
      node = hostPort(args[at + 1] ?? '');
      args.splice(at, 2);
    }
    const [cmd, ...rest] = args;
    if (cmd === 'status' && rest.length === 0) return await status(node);
    if (cmd === 'add-node' && rest.length === 2) return await toLeader(node, ['ADDNODE', ...rest]);
    if (cmd === 'remove-node' && rest.length === 1) return await toLeader(node, ['REMOVENODE', ...rest]);
    if (cmd === 'transfer-leader' && rest.length === 1) return await toLeader(node, ['TRANSFERLEADER', ...rest]);
    process.stderr.write(`${USAGE}\n`);
    return 1;
  } catch (e) {
    process.stderr.write(`floe cluster: ${(e as Error).message}\n`);
    return 1;
  }
}
