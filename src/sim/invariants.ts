// Raft's safety properties, checked as the simulation runs: election safety (one leader per
// term, one vote per node per term), log matching, leader completeness, state-machine safety,
// monotonic term/commit/applied, and applied ≤ committed ≤ last index. The checker sees what
// every driver persists, sends and applies, and each node's status after every step.

import type { Entry, Message, Ready, Snapshot, Status } from '../raft/types.ts';

/** A broken safety property: the simulator stops the run and reports it. */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
  readonly invariant: string;
  constructor(invariant: string, detail: string) {
    super(`${invariant}: ${detail}`);
    this.invariant = invariant;
  }
}

/** What the checker needs from a node, so it can be tested without a whole simulation. */
export interface CheckedNode {
  readonly id: number;
  readonly lives: number;
  status(): Status;
  termAt(index: number): number | null;
  entryAt(index: number): Entry | undefined;
  appliedIndex(): number;
}

export function entryHash(e: Entry): number {
  let h = e.type === 'normal' ? 0x811c9dc5 : 0x1234567;
  for (let i = 0; i < e.data.length; i++) h = Math.imul(h ^ (e.data[i] as number), 0x01000193);
  return h >>> 0;
}

/** Terms stay below this in any simulated run, so (index, term) packs into one number. */
const termsMax = 1 << 20;

interface NodeFloor {
  life: number;
  term: number;
  commit: number;
  applied: number;
  wasLeaderIn: number;
  /** Committed entries of this life up to here were already recorded. */
  commitChecked: number;
}

export class SafetyChecker {
  /** term → the node that led it. */
  private readonly leaders = new Map<number, number>();
  /** node → (term → candidate it granted its vote to), across restarts. */
  private readonly votes = new Map<number, Map<number, number>>();
  /** (index, term) → hash and previous term, for every entry any node ever persisted. */
  private readonly written = new Map<number, { hash: number; prevTerm: number }>();
  /** Known-committed entries by index: term, hash, and the term by which it was committed. */
  private readonly committedTerm: number[] = [];
  private readonly committedHash: number[] = [];
  private readonly committedBy: number[] = [];
  private committedMax = 0;
  private readonly appliedEntry = new Map<number, { term: number; hash: number; node: number }>();
  private readonly floors = new Map<number, NodeFloor>();
  /** Entries applied during the current step, recorded as committed once the appliers' terms are known. */
  private appliedThisStep: { node: number; index: number; term: number; hash: number }[] = [];

  /** A node booted (first start or restart) from a disk holding this hard state. */
  booted(node: CheckedNode, persistedTerm: number, persistedCommit: number, snapshotIndex: number): void {
    this.floors.set(node.id, { life: node.lives, term: persistedTerm, commit: persistedCommit, applied: snapshotIndex, wasLeaderIn: -1, commitChecked: 0 });
  }

  persisted(node: CheckedNode, rd: Ready): void {
    for (const e of rd.entries) {
      if (e.term >= termsMax) throw new InvariantViolation('sim limit', `term ${e.term} too large`);
      const prevTerm = node.termAt(e.index - 1) ?? -1;
      const key = e.index * termsMax + e.term;
      const hash = entryHash(e);
      const seen = this.written.get(key);
      if (seen === undefined) this.written.set(key, { hash, prevTerm });
      else if (seen.hash !== hash || (seen.prevTerm !== prevTerm && seen.prevTerm >= 0 && prevTerm >= 0)) {
        throw new InvariantViolation('log matching', `node ${node.id} persisted a different entry (${e.index}, ${e.term}) than another node (or a different predecessor term: ${prevTerm} vs ${seen.prevTerm})`);
      }
      // A node may write over an index that is committed elsewhere (a stale leader or its
      // followers), but never over an entry it knew committed itself.
      const ct = this.committedTerm[e.index];
      const ownCommit = this.floors.get(node.id)?.commit ?? 0;
      if (ct !== undefined && ct !== e.term && e.index <= ownCommit) {
        throw new InvariantViolation('state machine safety', `node ${node.id} overwrote entry ${e.index} (term ${ct}), committed at its commit index ${ownCommit}, with term ${e.term}`);
      }
    }
  }

  sent(node: CheckedNode, m: Message): void {
    if (m.type !== 'vote-resp' || m.reject) return;
    let byTerm = this.votes.get(node.id);
    if (byTerm === undefined) this.votes.set(node.id, (byTerm = new Map()));
    const prior = byTerm.get(m.term);
    if (prior !== undefined && prior !== m.to) {
      throw new InvariantViolation('election safety', `node ${node.id} granted its vote in term ${m.term} to both ${prior} and ${m.to}`);
    }
    byTerm.set(m.term, m.to);
  }

  applied(node: CheckedNode, e: Entry): void {
    const hash = entryHash(e);
    const seen = this.appliedEntry.get(e.index);
    if (seen === undefined) this.appliedEntry.set(e.index, { term: e.term, hash, node: node.id });
    else if (seen.term !== e.term || seen.hash !== hash) {
      throw new InvariantViolation('state machine safety', `node ${node.id} applied (${e.index}, term ${e.term}) but node ${seen.node} applied (${e.index}, term ${seen.term}) there`);
    }
    // Applied means committed. Recorded here too, because a node may apply and compact an
    // entry within one step, before the after-step scan could see it in its log. The term by
    // which it was committed is the node's term, known at the end of the step (checkNode).
    if (this.committedTerm[e.index] === undefined) this.appliedThisStep.push({ node: node.id, index: e.index, term: e.term, hash });
  }

  /** Entries applied by nodes not in `nodes` (crashed mid-step) stay only in the applied registry. */
  private recordApplied(nodes: readonly CheckedNode[], statuses: readonly Status[]): void {
    if (this.appliedThisStep.length === 0) return;
    const terms = new Map<number, number>();
    nodes.forEach((n, i) => terms.set(n.id, (statuses[i] as Status).term));
    for (const a of this.appliedThisStep) {
      const term = terms.get(a.node);
      if (term !== undefined) this.recordCommitted(a.index, a.term, a.hash, term);
    }
    this.appliedThisStep = [];
  }

  private recordCommitted(index: number, term: number, hash: number, byTerm: number): void {
    if (this.committedTerm[index] !== undefined) return;
    this.committedTerm[index] = term;
    this.committedHash[index] = hash;
    this.committedBy[index] = byTerm;
    this.committedMax = Math.max(this.committedMax, index);
  }

  restored(node: CheckedNode, s: Snapshot): void {
    const ct = this.committedTerm[s.index];
    if (ct !== undefined && ct !== s.term) {
      throw new InvariantViolation('state machine safety', `node ${node.id} restored a snapshot at (${s.index}, term ${s.term}) but term ${ct} was committed there`);
    }
  }

  /** After every step: per-node bounds and monotonicity, leaders, newly committed entries. */
  afterStep(nodes: readonly CheckedNode[]): void {
    const statuses = nodes.map((n) => n.status());
    nodes.forEach((n, i) => this.checkNode(n, statuses[i] as Status));
    this.recordApplied(nodes, statuses);
    nodes.forEach((n, i) => this.discoverCommits(n, statuses[i] as Status, nodes, statuses));
  }

  private checkNode(n: CheckedNode, st: Status): void {
    const f = this.floors.get(n.id);
    if (f === undefined || f.life !== n.lives) throw new InvariantViolation('sim', `node ${n.id} life ${n.lives} was not announced`);
    const applied = n.appliedIndex();
    if (st.term < f.term) throw new InvariantViolation('monotonic term', `node ${n.id} term went from ${f.term} to ${st.term}`);
    if (st.commit < f.commit) throw new InvariantViolation('monotonic commit', `node ${n.id} commit went from ${f.commit} to ${st.commit}`);
    if (applied < f.applied) throw new InvariantViolation('monotonic applied', `node ${n.id} applied went from ${f.applied} to ${applied}`);
    if (!(st.applied <= st.commit && applied <= st.commit && st.commit <= st.lastIndex)) {
      throw new InvariantViolation('applied ≤ committed ≤ last index', `node ${n.id}: applied ${st.applied} (state machine ${applied}), commit ${st.commit}, last ${st.lastIndex}`);
    }
    f.term = st.term;
    f.commit = st.commit;
    f.applied = applied;
    if (st.role !== 'leader') return;
    const leader = this.leaders.get(st.term);
    if (leader !== undefined && leader !== n.id) {
      throw new InvariantViolation('election safety', `nodes ${leader} and ${n.id} are both leaders of term ${st.term}`);
    }
    this.leaders.set(st.term, n.id);
    if (f.wasLeaderIn !== st.term) {
      f.wasLeaderIn = st.term;
      this.checkLeaderHasCommitted(n, st, 1);
    }
  }

  /** Leader completeness: a leader of term t holds every entry committed by a term < t. */
  private checkLeaderHasCommitted(n: CheckedNode, st: Status, from: number): void {
    for (let i = Math.max(from, st.snapshotIndex + 1); i <= this.committedMax; i++) this.checkLeaderAt(n, st, i);
  }

  private checkLeaderAt(n: CheckedNode, st: Status, i: number): void {
    const by = this.committedBy[i];
    if (by === undefined || by >= st.term || i <= st.snapshotIndex) return;
    const t = n.termAt(i);
    if (t !== this.committedTerm[i]) {
      throw new InvariantViolation('leader completeness', `node ${n.id}, leader of term ${st.term}, has ${t === null ? 'no entry' : `term ${t}`} at ${i} where term ${this.committedTerm[i]} was committed by term ${by}`);
    }
  }

  /** Record entries a node reports committed; each must agree with what was recorded before. */
  private discoverCommits(n: CheckedNode, st: Status, nodes: readonly CheckedNode[], statuses: readonly Status[]): void {
    const f = this.floors.get(n.id) as NodeFloor;
    for (let i = Math.max(st.snapshotIndex + 1, f.commitChecked + 1); i <= st.commit; i++) {
      const e = n.entryAt(i);
      if (e === undefined) continue;
      const known = this.committedTerm[i];
      if (known !== undefined) {
        if (known !== e.term || this.committedHash[i] !== entryHash(e)) {
          throw new InvariantViolation('state machine safety', `node ${n.id} has (${i}, term ${e.term}) committed, but (${i}, term ${known}) was committed before`);
        }
        continue;
      }
      this.recordCommitted(i, e.term, entryHash(e), st.term);
      nodes.forEach((other, j) => {
        const os = statuses[j] as Status;
        if (os.role === 'leader') this.checkLeaderAt(other, os, i);
      });
    }
    f.commitChecked = Math.max(f.commitChecked, st.commit);
  }
}
