// Leader-side replication: appends (pipelined in replicate state, one at a time in probe
// state), chunked snapshots, heartbeats and their rounds, acknowledgements with fast
// conflict backtracking, the commit rule, and TimeoutNow for leadership transfer.
import { assert } from '../util/assert.ts';
import { entryBytes } from './log.ts';
import type { Progress } from './progress.ts';
import { jointCommitted } from './quorum.ts';
import type { Raft } from './raft.ts';
import type { Message, NodeId } from './types.ts';

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.prs.get(m.from);
  if (pr === undefined) return; // not a member (removed, or never was)
  switch (m.type) {
    case 'append-resp':
      pr.recentActive = true;
      handleAppendResp(r, pr, m);
      break;
    case 'heartbeat-resp':
      pr.recentActive = true;
      handleHeartbeatResp(r, pr, m);
      break;
    case 'snapshot-resp':
      pr.recentActive = true;
      handleSnapshotResp(pr, m);
      break;
    default:
      break;
  }
}

function handleAppendResp(r: Raft, pr: Progress, m: Message): void {
  if (m.reject) {
    if (pr.state === 'snapshot') return; // a stale rejection; the snapshot decides
    // Fast backtracking: the follower's hint (its last index whose term is ≤ the probed term)
    // is refined against our own log, so one round trip skips a whole conflicting term.
    let hint = m.rejectHint;
    if (m.logTerm > 0) hint = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, hint) && pr.state === 'replicate') pr.becomeProbe();
    return;
  }
  const updated = pr.maybeUpdate(m.index);
  if (updated) pr.ackedSinceHeartbeat = true;
  if (!updated && !(pr.match === m.index && pr.state === 'probe')) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot') {
    // The follower has the snapshot (or more). Resume appends if our log connects to its
    // log; otherwise probing finds out and sends a newer snapshot.
    if (pr.snapshot !== null && pr.match >= pr.snapshot.index) {
      pr.becomeProbe();
      if (pr.match + 1 >= r.log.firstIndex()) pr.becomeReplicate();
    }
  } else {
    pr.inflights.freeLE(m.index);
  }
  maybeCommit(r);
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
}

function handleHeartbeatResp(r: Raft, pr: Progress, m: Message): void {
  // A heartbeat response unblocks a probe or a snapshot chunk whose message may have been lost.
  pr.probeSent = false;
  pr.snapshotChunkSent = false;
  if (pr.state === 'replicate' && pr.inflights.full()) {
    // A full window with no acknowledgement since the previous heartbeat answer: its appends
    // were lost. Probe again from the match index (which may also lead to a snapshot).
    if (!pr.ackedSinceHeartbeat) pr.becomeProbe();
  } else if (pr.match < r.log.lastIndex() || pr.state === 'probe') {
    // A lost append leaves a gap the follower cannot report; one append (even empty) now
    // makes it reject, and us probe again.
    pr.forceAppend = true;
  }
  pr.ackedSinceHeartbeat = false;
  if (m.seq > pr.ackedSeq) {
    pr.ackedSeq = m.seq;
    releaseReads(r);
  }
  if (m.commit > pr.commit) {
    pr.commit = m.commit;
    r.maybeStepDownRemoved();
  }
}

function handleSnapshotResp(pr: Progress, m: Message): void {
  if (pr.state !== 'snapshot' || pr.snapshot === null || pr.snapshot.index !== m.index) return;
  const total = pr.snapshot.data.byteLength;
  if (m.offset > total || m.offset < 0) return;
  // Progress moves forward on an acknowledgement; a reject (the follower lost the start, or
  // restarted) moves it back. Duplicate or stale acknowledgements change nothing, so they
  // cannot multiply chunks.
  if (m.offset > pr.snapshotOffset || (m.reject && m.offset !== pr.snapshotOffset)) {
    pr.snapshotOffset = m.offset;
    pr.snapshotChunkSent = false;
  }
}

/** The commit rule: a quorum's match index, if its entry is of this leader's term (§5.4.2). */
export function maybeCommit(r: Raft): boolean {
  assert(r.role === 'leader', 'raft: only a leader commits by counting');
  const idx = jointCommitted(r.conf.voters, r.conf.votersOutgoing, (id) => r.prs.get(id)?.match ?? 0);
  if (idx <= r.log.committed) return false;
  if (r.log.term(idx) !== r.term && r.cfg.mutant !== 'commit-prior-term') return false;
  const old = r.log.committed;
  const termWasCommitted = r.termCommitted();
  r.log.commitTo(idx);
  const from = Math.max(old, r.termStartIndex) + 1;
  for (const e of r.log.slice(from, idx + 1, Number.POSITIVE_INFINITY)) {
    if (e.type === 'normal') r.uncommittedBytes -= e.data.byteLength;
  }
  assert(r.uncommittedBytes >= 0, 'raft: uncommitted byte accounting');
  r.commitBroadcast = true;
  if (!termWasCommitted && r.termCommitted()) r.readOnly.unhold(r.log.committed, r.hbSeq + 1);
  return true;
}

/** One heartbeat round to every follower: carries the commit index and the round number. */
export function bcastHeartbeat(r: Raft): void {
  r.hbSeq++;
  r.roundTicks.record(r.hbSeq, r.ticks);
  for (const [id, pr] of r.prs) {
    if (id === r.id) continue;
    // Never tell a follower to commit beyond what it is known to hold.
    r.send('heartbeat', id, { term: r.term, commit: Math.min(pr.match, r.log.committed), seq: r.hbSeq });
  }
  releaseReads(r);
}

/** Emits ReadStates for every ReadIndex request whose round a quorum has acknowledged. */
export function releaseReads(r: Raft): void {
  if (r.role !== 'leader') return;
  r.readOnly.release(r.quorumAckedSeq(), r.readStates);
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.timeoutNowSent = true;
  r.send('timeout-now', to, { term: r.term });
}

/**
 * Sends whatever each follower can take now. Called when a Ready is built, so all the
 * proposals made since the last Ready leave in as few messages as the caps allow (batching).
 */
export function flushAppends(r: Raft): void {
  for (const [id, pr] of r.prs) {
    if (id === r.id) continue;
    if (pr.state === 'snapshot') {
      sendSnapshotChunk(r, id, pr);
      continue;
    }
    let sendIfEmpty = r.commitBroadcast;
    if (pr.forceAppend) {
      pr.forceAppend = false;
      sendIfEmpty = true;
    }
    while (sendAppend(r, id, pr, sendIfEmpty)) {
      sendIfEmpty = false;
      if (pr.state !== 'replicate') break;
    }
  }
  r.commitBroadcast = false;
}

/** One append to `to` starting at its next index; false when paused or nothing to send. */
function sendAppend(r: Raft, to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
  if (pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === null) {
    assert(prevIndex < r.log.snapIndex, `raft: next ${pr.next} beyond last index ${r.log.lastIndex()}`);
    startSnapshot(r, to, pr);
    return false;
  }
  const last = r.log.lastIndex();
  const entries = pr.next <= last ? r.log.slice(pr.next, last + 1, r.cfg.maxSizePerMsgBytes) : [];
  if (entries.length === 0 && !sendIfEmpty) return false;
  let bytes = 0;
  for (const e of entries) bytes += entryBytes(e);
  r.send('append', to, { term: r.term, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  pr.sentEntries(entries.length, bytes);
  return true;
}

function startSnapshot(r: Raft, to: NodeId, pr: Progress): void {
  // Only to a follower that answered recently: a snapshot is large, a dead node cannot use it.
  if (!pr.recentActive) return;
  const snap = r.log.snapshot;
  assert(snap !== null, 'raft: log compacted without a snapshot');
  pr.becomeSnapshot(snap);
  sendSnapshotChunk(r, to, pr);
}

/** Stop-and-wait: one chunk in flight; the next goes when it is acknowledged (or a heartbeat answer suggests it was lost). */
function sendSnapshotChunk(r: Raft, to: NodeId, pr: Progress): void {
  const snap = pr.snapshot;
  if (pr.snapshotChunkSent || snap === null) return;
  const offset = pr.snapshotOffset;
  const end = Math.min(snap.data.byteLength, offset + r.cfg.snapshotChunkBytes);
  const chunk = { index: snap.index, term: snap.term, confState: snap.confState, offset, totalBytes: snap.data.byteLength, data: snap.data.subarray(offset, end) };
  r.send('snapshot', to, { term: r.term, snapshot: chunk });
  pr.snapshotChunkSent = true;
}
