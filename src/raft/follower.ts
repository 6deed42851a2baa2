// Follower-side handling of the leader's messages: appends (with the rejection hint for fast
// backtracking), heartbeats, and chunked InstallSnapshot with bounded reassembly.
import { assert } from '../util/assert.ts';
import type { Raft } from './raft.ts';
import type { ConfState, Message, Snapshot } from './types.ts';

/** A snapshot being reassembled from chunks; at most one at a time, at most maxSnapshotBytes. */
export interface IncomingSnapshot {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
  readonly totalBytes: number;
  readonly chunks: Uint8Array[];
  received: number;
}

export function handleAppend(r: Raft, m: Message): void {
  const log = r.log;
  if (m.index < log.committed) {
    // Everything up to our commit is already agreed; tell the leader where we are.
    r.send('append-resp', m.from, { term: r.term, index: log.committed });
    return;
  }
  const lastNew = log.maybeAppend(m.index, m.logTerm, m.entries);
  if (lastNew !== null) {
    log.commitTo(Math.min(m.commit, lastNew));
    r.send('append-resp', m.from, { term: r.term, index: lastNew });
    return;
  }
  // Mismatch at m.index: hint the last index whose term is ≤ the leader's term there. The
  // leader skips all our entries of a term it does not have, in one round trip.
  const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send('append-resp', m.from, { term: r.term, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
}

export function handleHeartbeat(r: Raft, m: Message): void {
  // The leader sends min(our match, its commit), so this is within our log.
  r.log.commitTo(m.commit);
  // Our commit goes back: a leader removed by a conf change waits until the new voters know it.
  r.send('heartbeat-resp', m.from, { term: r.term, seq: m.seq, commit: r.log.committed });
}

export function handleSnapshotChunk(r: Raft, m: Message): void {
  const chunk = m.snapshot;
  if (chunk === null) return;
  if (chunk.index <= r.log.committed) {
    // Already have it (a duplicate, or we caught up by appends): report our commit.
    if (r.incoming?.index === chunk.index) r.incoming = null;
    r.send('append-resp', m.from, { term: r.term, index: r.log.committed });
    return;
  }
  let inc = r.incoming;
  if (inc === null || inc.index !== chunk.index || inc.term !== chunk.term) {
    if (chunk.offset !== 0) {
      r.send('snapshot-resp', m.from, { term: r.term, index: chunk.index, offset: 0, reject: true });
      return;
    }
    // Too large to buffer: drop it (the leader retries; the configuration must be fixed).
    if (chunk.totalBytes > r.cfg.maxSnapshotBytes) return;
    inc = { index: chunk.index, term: chunk.term, confState: chunk.confState, totalBytes: chunk.totalBytes, chunks: [], received: 0 };
    r.incoming = inc;
  }
  if (chunk.offset !== inc.received || chunk.totalBytes !== inc.totalBytes) {
    // A duplicate (offset below) is acknowledged again; a gap (offset above) asks to resend.
    r.send('snapshot-resp', m.from, { term: r.term, index: inc.index, offset: inc.received, reject: chunk.offset > inc.received });
    return;
  }
  if (chunk.offset + chunk.data.byteLength > inc.totalBytes) return; // malformed; the leader resends
  inc.chunks.push(chunk.data);
  inc.received += chunk.data.byteLength;
  if (inc.received < inc.totalBytes) {
    r.send('snapshot-resp', m.from, { term: r.term, index: inc.index, offset: inc.received });
    return;
  }
  r.incoming = null;
  restoreSnapshot(r, { group: r.group, index: inc.index, term: inc.term, confState: inc.confState, data: concat(inc.chunks, inc.totalBytes) });
  // Our log now matches the leader's up to our commit (the snapshot index or beyond).
  r.send('append-resp', m.from, { term: r.term, index: r.log.committed });
}

function restoreSnapshot(r: Raft, snap: Snapshot): void {
  if (r.log.matchTerm(snap.index, snap.term)) {
    // Our log already has the snapshot's last entry, hence everything before it: just commit.
    r.log.commitTo(snap.index);
    return;
  }
  r.log.restore(snap);
  r.confHistory = [];
  r.switchConf(snap.confState, snap.index);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  assert(at === total, 'raft: snapshot reassembly size');
  return out;
}
