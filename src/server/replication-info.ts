// INFO's replication and raft sections for a replicated node. The replication section keeps
// Redis's field names (role master/slave, connected_slaves, master_host…) so tools that read
// Redis replication state read Floe's; the raft section shows the consensus state itself.

import type { Replication } from './replication.ts';

type Fields = [string, string | number][];

export function replicationInfo(repl: Replication): Fields {
  const st = repl.group.raft.status();
  if (repl.isLeader) {
    const peers = new Map(repl.bus.peerStatus().map((p) => [p.id, p]));
    const out: Fields = [['role', 'master']];
    const followers = [...(st.progress ?? new Map()).entries()].filter(([id]) => id !== repl.self.id);
    out.push(['connected_slaves', followers.filter(([id]) => peers.get(id)?.connected === true).length]);
    followers.forEach(([id, p], i) => {
      const peer = repl.peerById(id);
      const state = peers.get(id)?.connected === true ? 'online' : 'disconnected';
      out.push([`slave${i}`, `ip=${peer?.host ?? '?'},port=${peer?.port ?? 0},state=${state},offset=${p.match},lag=${st.lastIndex - p.match}`]);
    });
    out.push(['master_repl_offset', st.lastIndex]);
    return out;
  }
  const leader = repl.peerById(repl.leader);
  const linkUp = leader !== undefined && repl.bus.peerStatus().find((p) => p.id === leader.id)?.connected === true;
  return [
    ['role', 'slave'],
    ['master_host', leader?.host ?? ''],
    ['master_port', leader?.port ?? 0],
    ['master_link_status', linkUp ? 'up' : 'down'],
    ['slave_repl_offset', st.applied],
    ['slave_read_only', 1],
    ['connected_slaves', 0],
  ];
}

export function raftInfo(repl: Replication): Fields {
  const st = repl.group.raft.status();
  const out: Fields = [
    ['raft_group', st.group],
    ['raft_node', repl.self.name],
    ['raft_node_id', st.id],
    ['raft_role', st.role],
    ['raft_term', st.term],
    ['raft_leader', repl.peerName(st.leader)],
    ['raft_commit_index', st.commit],
    ['raft_applied_index', repl.group.applied],
    ['raft_last_index', st.lastIndex],
    ['raft_snapshot_index', st.snapshotIndex],
    ['raft_snapshot_in_progress', repl.snapshotInProgress() ? 1 : 0],
    ['raft_voters', st.confState.voters.map((id) => repl.peerName(id)).join(',')],
    ['raft_learners', st.confState.learners.map((id) => repl.peerName(id)).join(',')],
    ['raft_pending_writes', repl.group.pendingWrites()],
    ['raft_disk_failure', repl.diskFailure === null ? '' : repl.diskFailure.message],
  ];
  const wal = repl.walStats();
  out.push(
    ['wal_segments', wal.segments], ['wal_bytes', wal.bytes], ['wal_records_appended', wal.recordsAppended],
    ['wal_batches_written', wal.batchesWritten], ['wal_syncs', wal.syncs],
  );
  const bus = repl.bus.stats;
  out.push(
    ['bus_frames_sent', bus.framesSent.reduce((a, b) => a + b, 0)], ['bus_bytes_sent', bus.bytesSent],
    ['bus_frames_received', bus.framesReceived.reduce((a, b) => a + b, 0)], ['bus_bytes_received', bus.bytesReceived],
  );
  for (const [id, p] of st.progress ?? []) {
    if (id === st.id) continue;
    out.push([`raft_follower_${repl.peerName(id)}`, `match=${p.match},next=${p.next},state=${p.state},learner=${p.isLearner ? 1 : 0}`]);
  }
  return out;
}
