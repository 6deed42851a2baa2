// Linearizability checker for key-value histories: the Wing–Gong search as improved by Lowe
// and by Porcupine (memoized on the pair (set of linearized operations, model state), undo by
// unlinking call/return pairs from a doubly linked list, P-compositional: one search per key).
// It is bounded by a step budget and answers 'unknown' rather than hang.

/** How a read was served; the model treats both the same (both must be linearizable). */
export type ReadMode = 'read-index' | 'lease';

/**
 * One client operation as recorded by the simulator. Times are points on one shared, strictly
 * increasing clock (the simulator's event counter). An operation that never returned (client
 * timeout, crashed leader) has `ret = Infinity`: it may have taken effect at any point after
 * its call, or never.
 */
export interface Operation {
  clientId: number;
  op: 'put' | 'get';
  key: string;
  /** put: the value written (unique per history). get: unused. */
  value: string | null;
  call: number;
  ret: number;
  /** get: the value read, null when the key was absent. put: unused. */
  output: string | null;
  readMode?: ReadMode;
}

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface CheckResult {
  verdict: CheckVerdict;
  /** Search steps spent over all keys. */
  steps: number;
  /** When illegal: the key whose sub-history has no linearization. */
  key?: string;
  /** When illegal: that key's operations (time order, trimmed), for the failure report. */
  operations?: Operation[];
  /** When illegal: the operation the deepest partial linearization could not get past. */
  stuckAt?: Operation;
}

/** Default search budget over a whole history; a run that spends it is reported 'unknown'. */
export const checkStepsMax = 5_000_000;
/** How many operations of the failing key a report keeps. */
const reportOperationsMax = 40;

/** A sequential specification: `step` returns the next state, or undefined if illegal. */
interface Model<S> {
  init: S;
  step(state: S, op: Operation): S | undefined;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
}

/** A single register: the value of one key (null = absent). */
const registerModel: Model<string | null> = {
  init: null,
  step(state, op) {
    if (op.op === 'put') return op.value;
    return op.output === state ? state : undefined;
  },
  hash(state) {
    return state === null ? 0x9e3779b9 : stringHash(state);
  },
  equal(a, b) {
    return a === b;
  },
};

function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A node of the event list: a call or a return. A call's `match` is its return. */
interface Event {
  id: number;
  time: number;
  isCall: boolean;
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

function buildEventList(ops: readonly Operation[]): Event {
  const events: Event[] = [];
  for (let id = 0; id < ops.length; id++) {
    const op = ops[id];
    if (op === undefined) continue;
    const ret: Event = { id, time: op.ret, isCall: false, match: null, prev: null, next: null };
    const call: Event = { id, time: op.call, isCall: true, match: ret, prev: null, next: null };
    events.push(call, ret);
  }
  // Calls sort before returns at equal times, so touching operations count as concurrent
  // (the permissive choice, as Porcupine makes); ids break the remaining ties for determinism.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));
  const head: Event = { id: -1, time: -Infinity, isCall: false, match: null, prev: null, next: null };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Remove a call and its return from the list (the operation is now linearized). */
function lift(call: Event): void {
  const ret = call.match;
  if (call.prev !== null) call.prev.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  if (ret === null) return;
  if (ret.prev !== null) ret.prev.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Undo `lift`, in reverse order, so each node finds its neighbours as they were. */
function unlift(call: Event): void {
  const ret = call.match;
  if (ret !== null) {
    if (ret.prev !== null) ret.prev.next = ret;
    if (ret.next !== null) ret.next.prev = ret;
  }
  if (call.prev !== null) call.prev.next = call;
  if (call.next !== null) call.next.prev = call;
}

/** A set of operation ids with an incrementally kept Zobrist hash. */
class Bitset {
  readonly words: Uint32Array;
  hash = 0;
  private readonly keys: Uint32Array;

  constructor(size: number, keys: Uint32Array) {
    this.words = new Uint32Array(Math.ceil(size / 32));
    this.keys = keys;
  }

  flip(id: number): void {
    const w = id >>> 5;
    this.words[w] = (this.words[w] ?? 0) ^ (1 << (id & 31));
    this.hash = (this.hash ^ (this.keys[id] ?? 0)) >>> 0;
  }

  equals(other: Uint32Array): boolean {
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== other[i]) return false;
    return true;
  }
}

function zobristKeys(n: number): Uint32Array {
  // A fixed splitmix sequence: the checker is deterministic and needs no injected randomness.
  const keys = new Uint32Array(n);
  let a = 0x2545f491;
  for (let i = 0; i < n; i++) {
    a = (a + 0x9e3779b9) >>> 0;
    let z = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    keys[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return keys;
}

interface PartitionResult {
  verdict: CheckVerdict;
  steps: number;
  stuckId: number;
}

type CacheEntry<S> = { words: Uint32Array; state: S };

/** The memoized backtracking search over one key's operations. */
function checkPartition<S>(model: Model<S>, ops: readonly Operation[], budget: number): PartitionResult {
  const head = buildEventList(ops);
  const linearized = new Bitset(ops.length, zobristKeys(ops.length));
  const cache = new Map<number, CacheEntry<S>[]>();
  const calls: { event: Event; state: S }[] = [];
  let state = model.init;
  let entry = head.next;
  let steps = 0;
  let deepest = -1;
  let stuckId = -1;
  while (head.next !== null) {
    if (++steps > budget) return { verdict: 'unknown', steps, stuckId };
    if (entry === null) return { verdict: 'illegal', steps, stuckId }; // unreachable: a return ends every list
    if (entry.isCall) {
      const op = ops[entry.id];
      const next = op === undefined ? undefined : model.step(state, op);
      if (next !== undefined) {
        linearized.flip(entry.id);
        const key = (linearized.hash ^ model.hash(next)) >>> 0;
        if (cacheAdd(cache, key, linearized, next, model)) {
          calls.push({ event: entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.flip(entry.id);
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not yet linearized: this branch is dead, undo the last choice.
    if (calls.length > deepest) {
      deepest = calls.length;
      stuckId = entry.id;
    }
    const top = calls.pop();
    if (top === undefined) return { verdict: 'illegal', steps, stuckId };
    state = top.state;
    linearized.flip(top.event.id);
    unlift(top.event);
    entry = top.event.next;
  }
  return { verdict: 'ok', steps, stuckId: -1 };
}

/** Insert (set, state) into the cache; false if an equal pair was already there. */
function cacheAdd<S>(cache: Map<number, CacheEntry<S>[]>, key: number, set: Bitset, state: S, model: Model<S>): boolean {
  const bucket = cache.get(key);
  if (bucket === undefined) {
    cache.set(key, [{ words: set.words.slice(), state }]);
    return true;
  }
  for (const e of bucket) {
    if (model.equal(e.state, state) && set.equals(e.words)) return false;
  }
  bucket.push({ words: set.words.slice(), state });
  return true;
}

/**
 * Check a key-value history. Reads that never returned carry no information and are dropped;
 * writes that never returned stay, with an infinite return time.
 */
export function checkHistory(history: readonly Operation[], stepsMax = checkStepsMax): CheckResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.op === 'get' && op.ret === Infinity) continue;
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  let steps = 0;
  let unknown = false;
  const keys = [...byKey.keys()].sort();
  for (const key of keys) {
    const ops = byKey.get(key) ?? [];
    const r = checkPartition(registerModel, ops, stepsMax - steps);
    steps += r.steps;
    if (r.verdict === 'illegal') return illegalResult(key, ops, r, steps);
    if (r.verdict === 'unknown') {
      unknown = true;
      break;
    }
  }
  return { verdict: unknown ? 'unknown' : 'ok', steps };
}

function illegalResult(key: string, ops: Operation[], r: PartitionResult, steps: number): CheckResult {
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  const stuck = ops[r.stuckId];
  const result: CheckResult = { verdict: 'illegal', steps, key, operations: trimAround(sorted, stuck) };
  if (stuck !== undefined) result.stuckAt = stuck;
  return result;
}

function trimAround(sorted: Operation[], stuck: Operation | undefined): Operation[] {
  if (sorted.length <= reportOperationsMax) return sorted;
  const at = stuck === undefined ? sorted.length : sorted.indexOf(stuck);
  const end = Math.min(sorted.length, Math.max(at + reportOperationsMax / 4, reportOperationsMax));
  return sorted.slice(end - reportOperationsMax, end);
}

/** One line per operation, for failure reports. */
export function formatOperation(op: Operation): string {
  const ret = op.ret === Infinity ? '∞' : String(op.ret);
  const what = op.op === 'put' ? `put ${op.key}=${op.value ?? 'nil'}` : `get ${op.key} -> ${op.output ?? 'nil'}${op.readMode === undefined ? '' : ` (${op.readMode})`}`;
  return `[${op.call}, ${ret}] client ${op.clientId}: ${what}`;
}
