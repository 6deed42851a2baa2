// The order of a large sorted set: a B+tree of (score, member) pairs whose inner nodes count
// the elements below each child, so insert, delete, rank and "first element ≥ x" are all
// O(log n), like Redis's skiplist with spans, with far less memory per element (leaves are
// two parallel arrays). Leaves are linked both ways for range walks.
//
// Invariant: an inner node keeps, per child, an upper bound of the child's keys (its max, or a
// key since removed) such that every key of child i+1 is greater than bound i. Removals leave
// bounds stale, which keeps routing correct without walking back up.

import { assert } from '../util/assert.ts';

const LEAF_MAX = 128; // elements per leaf
const LEAF_MIN = 32; // a smaller leaf is merged into a neighbour that has room
const INNER_MAX = 64; // children per inner node
const INNER_MIN = 16;

class Leaf {
  scores: number[] = [];
  members: string[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner {
  children: (Leaf | Inner)[] = [];
  counts: number[] = [];
  maxScores: number[] = [];
  maxMembers: string[] = [];
}

type TreeNode = Leaf | Inner;

/** Orders (score, member) pairs: by score, then by member bytes. */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** First index in a leaf whose key is ≥ (score, member). */
function leafLowerBound(leaf: Leaf, score: number, member: string): number {
  let lo = 0;
  let hi = leaf.scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(leaf.scores[mid] as number, leaf.members[mid] as string, score, member) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of an inner node that holds (or would hold) the key. */
function childFor(n: Inner, score: number, member: string): number {
  let lo = 0;
  let hi = n.children.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(score, member, n.maxScores[mid] as number, n.maxMembers[mid] as string) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nodeLength(n: TreeNode): number {
  return n instanceof Leaf ? n.scores.length : n.children.length;
}

function lastScore(n: TreeNode): number {
  return n instanceof Leaf ? (n.scores[n.scores.length - 1] as number) : (n.maxScores[n.maxScores.length - 1] as number);
}

function lastMember(n: TreeNode): string {
  return n instanceof Leaf ? (n.members[n.members.length - 1] as string) : (n.maxMembers[n.maxMembers.length - 1] as string);
}

// Descent path, reused between operations (one event loop, no reentrancy).
const pathNodes: Inner[] = [];
const pathIdx: number[] = [];

export class RankTree {
  private root: TreeNode = new Leaf();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Descends to the leaf for a key, recording the path; returns the leaf and the depth. */
  private descend(score: number, member: string): [Leaf, number] {
    let node = this.root;
    let depth = 0;
    while (node instanceof Inner) {
      const i = childFor(node, score, member);
      pathNodes[depth] = node;
      pathIdx[depth] = i;
      depth++;
      node = node.children[i] as TreeNode;
    }
    return [node, depth];
  }

  /** Inserts a key that is not present. */
  insert(score: number, member: string): void {
    const [leaf, depth] = this.descend(score, member);
    for (let d = 0; d < depth; d++) {
      const n = pathNodes[d] as Inner;
      const i = pathIdx[d] as number;
      n.counts[i] = (n.counts[i] as number) + 1;
      if (compareKeys(score, member, n.maxScores[i] as number, n.maxMembers[i] as string) > 0) {
        n.maxScores[i] = score;
        n.maxMembers[i] = member;
      }
    }
    insertAt(leaf, leafLowerBound(leaf, score, member), score, member);
    this.count++;
    if (leaf.scores.length > LEAF_MAX) this.split(leaf, depth);
  }

  /** Splits an overfull node at `depth` on the last descent path, upwards as needed. */
  private split(node: TreeNode, depth: number): void {
    let n: TreeNode = node;
    for (let d = depth; ; d--) {
      if (nodeLength(n) <= (n instanceof Leaf ? LEAF_MAX : INNER_MAX)) return;
      const right = splitOff(n);
      if (d === 0) {
        const root = new Inner();
        root.children = [n, right];
        root.counts = [totalOf(n), totalOf(right)];
        root.maxScores = [lastScore(n), lastScore(right)];
        root.maxMembers = [lastMember(n), lastMember(right)];
        this.root = root;
        return;
      }
      const p = pathNodes[d - 1] as Inner;
      const i = pathIdx[d - 1] as number;
      p.children.splice(i + 1, 0, right);
      p.counts.splice(i + 1, 0, totalOf(right));
      p.counts[i] = totalOf(n);
      p.maxScores.splice(i + 1, 0, p.maxScores[i] as number);
      p.maxMembers.splice(i + 1, 0, p.maxMembers[i] as string);
      p.maxScores[i] = lastScore(n);
      p.maxMembers[i] = lastMember(n);
      n = p;
    }
  }

  /** Removes a key; false when it is not present. */
  remove(score: number, member: string): boolean {
    const [leaf, depth] = this.descend(score, member);
    const at = leafLowerBound(leaf, score, member);
    if (at >= leaf.scores.length || compareKeys(leaf.scores[at] as number, leaf.members[at] as string, score, member) !== 0) return false;
    removeAt(leaf, at);
    this.count--;
    for (let d = 0; d < depth; d++) {
      const n = pathNodes[d] as Inner;
      const i = pathIdx[d] as number;
      n.counts[i] = (n.counts[i] as number) - 1;
    }
    this.rebalance(leaf, depth);
    return true;
  }

  /** Removes empty nodes and merges small ones into a neighbour, bottom-up along the path. */
  private rebalance(leaf: Leaf, depth: number): void {
    let n: TreeNode = leaf;
    for (let d = depth; d > 0; d--) {
      const p = pathNodes[d - 1] as Inner;
      const i = pathIdx[d - 1] as number;
      const len = nodeLength(n);
      if (len === 0) {
        removeChild(p, i);
      } else if (len < (n instanceof Leaf ? LEAF_MIN : INNER_MIN)) {
        if (!mergeAround(p, i)) break;
      } else break;
      n = p;
    }
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0] as TreeNode;
    if (this.root instanceof Inner && this.root.children.length === 0) this.root = new Leaf();
  }

  /** 0-based rank of a key, or -1 when absent. */
  rank(score: number, member: string): number {
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      const i = childFor(node, score, member);
      for (let j = 0; j < i; j++) acc += node.counts[j] as number;
      node = node.children[i] as TreeNode;
    }
    const at = leafLowerBound(node, score, member);
    if (at >= node.scores.length || compareKeys(node.scores[at] as number, node.members[at] as string, score, member) !== 0) return -1;
    return acc + at;
  }

  /** How many elements have a score below `score` (≤ when inclusive). */
  countBelow(score: number, inclusive: boolean): number {
    const below = inclusive ? (s: number) => s <= score : (s: number) => s < score;
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      let i = 0;
      while (i < node.children.length && below(node.maxScores[i] as number)) acc += node.counts[i++] as number;
      if (i === node.children.length) return acc;
      node = node.children[i] as TreeNode;
    }
    let at = 0;
    while (at < node.scores.length && below(node.scores[at] as number)) at++;
    return acc + at;
  }

  /** How many elements have a member below `member` (≤ when inclusive); for equal scores. */
  countBelowLex(member: string, inclusive: boolean): number {
    const below = inclusive ? (m: string) => m <= member : (m: string) => m < member;
    let node = this.root;
    let acc = 0;
    while (node instanceof Inner) {
      let i = 0;
      while (i < node.children.length && below(node.maxMembers[i] as string)) acc += node.counts[i++] as number;
      if (i === node.children.length) return acc;
      node = node.children[i] as TreeNode;
    }
    let at = 0;
    while (at < node.members.length && below(node.members[at] as string)) at++;
    return acc + at;
  }

  /** Visits ranks start..end inclusive (0 ≤ start ≤ end < size), ascending or descending. */
  range(start: number, end: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    assert(start >= 0 && end < this.count && start <= end, 'rank range out of bounds');
    let [leaf, i] = this.locate(reverse ? end : start);
    for (let n = end - start + 1; n > 0; n--) {
      fn(leaf.members[i] as string, leaf.scores[i] as number);
      if (reverse) {
        if (--i < 0 && leaf.prev !== null) {
          leaf = leaf.prev;
          i = leaf.scores.length - 1;
        }
      } else if (++i >= leaf.scores.length && leaf.next !== null) {
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  /** The leaf and index of a rank. */
  private locate(rank: number): [Leaf, number] {
    let node = this.root;
    let r = rank;
    while (node instanceof Inner) {
      let i = 0;
      while (r >= (node.counts[i] as number)) r -= node.counts[i++] as number;
      node = node.children[i] as TreeNode;
    }
    return [node, r];
  }

  /** The element at a rank, as [member, score]. */
  at(rank: number): [string, number] {
    const [leaf, i] = this.locate(rank);
    return [leaf.members[i] as string, leaf.scores[i] as number];
  }

  /** Checks every invariant (tests). */
  check(): void {
    const leaves: Leaf[] = [];
    const total = checkNode(this.root, null, null, leaves);
    assert(total === this.count, `tree holds ${total}, count says ${this.count}`);
    for (let i = 0; i < leaves.length; i++) {
      assert(leaves[i]?.prev === (leaves[i - 1] ?? null), 'leaf prev link');
      assert(leaves[i]?.next === (leaves[i + 1] ?? null), 'leaf next link');
    }
  }
}

// Manual shifts: splice allocates an array for its result on every call.
function insertAt(leaf: Leaf, at: number, score: number, member: string): void {
  const scores = leaf.scores;
  const members = leaf.members;
  let i = scores.length;
  scores.push(score);
  members.push(member);
  for (; i > at; i--) {
    scores[i] = scores[i - 1] as number;
    members[i] = members[i - 1] as string;
  }
  scores[at] = score;
  members[at] = member;
}

function removeAt(leaf: Leaf, at: number): void {
  const scores = leaf.scores;
  const members = leaf.members;
  const last = scores.length - 1;
  for (let i = at; i < last; i++) {
    scores[i] = scores[i + 1] as number;
    members[i] = members[i + 1] as string;
  }
  scores.pop();
  members.pop();
}

function totalOf(n: TreeNode): number {
  if (n instanceof Leaf) return n.scores.length;
  let t = 0;
  for (const c of n.counts) t += c;
  return t;
}

/** Moves the upper half of a node into a new right sibling and returns it. */
function splitOff(n: TreeNode): TreeNode {
  if (n instanceof Leaf) {
    const mid = n.scores.length >>> 1;
    const r = new Leaf();
    r.scores = n.scores.splice(mid);
    r.members = n.members.splice(mid);
    r.next = n.next;
    r.prev = n;
    if (n.next !== null) n.next.prev = r;
    n.next = r;
    return r;
  }
  const mid = n.children.length >>> 1;
  const r = new Inner();
  r.children = n.children.splice(mid);
  r.counts = n.counts.splice(mid);
  r.maxScores = n.maxScores.splice(mid);
  r.maxMembers = n.maxMembers.splice(mid);
  return r;
}

function removeChild(p: Inner, i: number): void {
  const c = p.children[i] as TreeNode;
  if (c instanceof Leaf) {
    if (c.prev !== null) c.prev.next = c.next;
    if (c.next !== null) c.next.prev = c.prev;
  }
  p.children.splice(i, 1);
  p.counts.splice(i, 1);
  p.maxScores.splice(i, 1);
  p.maxMembers.splice(i, 1);
}

/** Merges child i with its right or left neighbour when they fit in one node. */
function mergeAround(p: Inner, i: number): boolean {
  const n = p.children[i] as TreeNode;
  const cap = n instanceof Leaf ? LEAF_MAX : INNER_MAX;
  const right = p.children[i + 1];
  if (right !== undefined && nodeLength(n) + nodeLength(right) <= cap) {
    mergeInto(p, i);
    return true;
  }
  const left = p.children[i - 1];
  if (left !== undefined && nodeLength(n) + nodeLength(left) <= cap) {
    mergeInto(p, i - 1);
    return true;
  }
  return false;
}

/** Appends child i+1 to child i and removes child i+1. */
function mergeInto(p: Inner, i: number): void {
  const a = p.children[i] as TreeNode;
  const b = p.children[i + 1] as TreeNode;
  if (a instanceof Leaf && b instanceof Leaf) {
    a.scores.push(...b.scores);
    a.members.push(...b.members);
  } else if (a instanceof Inner && b instanceof Inner) {
    a.children.push(...b.children);
    a.counts.push(...b.counts);
    a.maxScores.push(...b.maxScores);
    a.maxMembers.push(...b.maxMembers);
  }
  p.counts[i] = (p.counts[i] as number) + (p.counts[i + 1] as number);
  p.maxScores[i] = p.maxScores[i + 1] as number;
  p.maxMembers[i] = p.maxMembers[i + 1] as string;
  removeChild(p, i + 1);
}

type Key = [number, string];

/** Checks order, counts and bounds below n: every key k satisfies lo < k ≤ hi. */
function checkNode(n: TreeNode, lo: Key | null, hi: Key | null, leaves: Leaf[]): number {
  const inRange = (s: number, m: string) =>
    (lo === null || compareKeys(s, m, lo[0], lo[1]) > 0) && (hi === null || compareKeys(s, m, hi[0], hi[1]) <= 0);
  if (n instanceof Leaf) {
    leaves.push(n);
    for (let i = 0; i < n.scores.length; i++) {
      if (i > 0) assert(compareKeys(n.scores[i - 1] as number, n.members[i - 1] as string, n.scores[i] as number, n.members[i] as string) < 0, 'leaf order');
      assert(inRange(n.scores[i] as number, n.members[i] as string), 'key outside its bounds');
    }
    return n.scores.length;
  }
  assert(n.children.length > 0, 'empty inner node');
  let total = 0;
  for (let i = 0; i < n.children.length; i++) {
    const bound: Key = [n.maxScores[i] as number, n.maxMembers[i] as string];
    assert(inRange(bound[0], bound[1]), 'bound outside its parent bounds');
    const below: Key | null = i === 0 ? lo : [n.maxScores[i - 1] as number, n.maxMembers[i - 1] as string];
    const t = checkNode(n.children[i] as TreeNode, below, bound, leaves);
    assert(t === n.counts[i], 'child count');
    total += t;
  }
  return total;
}
