// One keyspace: keys → typed values, the expiry index, access metadata for LRU/LFU, and an
// insertion-ordered key array that gives O(1) random sampling (RANDOMKEY, eviction) and a
// SCAN cursor that stays valid while keys come and go. It knows nothing of sockets or Raft and
// takes time from its caller, so replaying the same commands gives the same keyspace.

import { LFU_DECAY_TIME_MINUTES_DEFAULT, LFU_INIT_VAL, LFU_LOG_FACTOR_DEFAULT } from '../constants.ts';
import { assert } from '../util/assert.ts';
import type { Random } from '../util/prng.ts';
import { entryBytes } from './memory.ts';
import type { Value } from './types.ts';

const COMPACT_MIN_SLOTS = 1024; // below this many slots the order array is never compacted
// Random slots tried per wanted volatile sample before falling back to the expiry index cursor.
const VOLATILE_RANDOM_DRAWS_PER_SAMPLE = 4;

export class Entry {
  v: Value;
  /** LRU: access time in seconds. LFU: (minutes & 0xffff) << 8 | log counter. */
  meta: number;
  /** Index of the key in the order array. */
  pos: number;
  /** Bytes this entry was last accounted for in usedBytes. */
  bytes: number;
  constructor(v: Value, meta: number, pos: number, bytes: number) {
    this.v = v;
    this.meta = meta;
    this.pos = pos;
    this.bytes = bytes;
  }
}

/**
 * A snapshot being written while the keyspace keeps changing (server/snapshot-codec.ts): told
 * about a key before anything reads or changes it, and before a flush, so it can record what
 * it has not written yet while that is still the state it snapshots.
 */
export interface CopyOnWrite {
  before(key: string, e: Entry): void;
  beforeFlush(): void;
}

export interface KeyspaceStats {
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
}

export interface ScanResult {
  cursor: bigint;
  keys: string[];
}

// A SCAN cursor packs two sequence numbers, each modulo 2^32: where to resume (low half) and
// where the scan started (high half). See Keyspace.scan.
const CURSOR_HALF = 2n ** 32n;
const SEQ_WRAP = 2 ** 32;

export class Keyspace {
  private readonly map = new Map<string, Entry>();
  /** Absolute expire-at in ms for keys with a TTL. */
  readonly expires = new Map<string, number>();
  // Order array: keys in insertion order with holes (null) where keys were deleted, and the
  // sequence number each slot was given. A SCAN cursor is a sequence number, so compaction
  // (which moves slots) never invalidates one.
  private order: (string | null)[] = [];
  private seqs: number[] = [];
  private holes = 0;
  private nextSeq = 1;

  usedBytes = 0;
  readonly stats: KeyspaceStats = { expiredKeys: 0, keyspaceHits: 0, keyspaceMisses: 0 };
  /** Whether a read that finds an expired key deletes it (single node, Raft leader) or only hides it (replica). */
  expireOnAccess = true;
  /** LFU metadata instead of LRU (maxmemory-policy *-lfu). */
  lfu = false;
  lfuLogFactor = LFU_LOG_FACTOR_DEFAULT;
  lfuDecayTimeMinutes = LFU_DECAY_TIME_MINUTES_DEFAULT;
  /** Called for every key whose value changes or disappears (WATCH, blocked clients). */
  onKeyChanged: ((key: string) => void) | null = null;
  /** Called after flush(): every key changed at once. */
  onFlush: (() => void) | null = null;
  /** Set while a snapshot is written alongside changes; order slots are not compacted meanwhile. */
  cow: CopyOnWrite | null = null;
  /** Called for every key deleted because it expired (replication turns this into a delete entry). */
  onKeyExpired: ((key: string) => void) | null = null;

  private expireCursor: Iterator<[string, number]> | null = null;
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  get size(): number {
    return this.map.size;
  }

  // ---- lookups ------------------------------------------------------------------------

  /** Every keyed read and change starts here, so a snapshot being written hears of it first. */
  private find(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (e !== undefined && this.cow !== null) this.cow.before(key, e);
    return e;
  }

  /** The live entry for key, updating its access metadata; undefined when absent or expired. */
  get(key: string, nowMs: number): Entry | undefined {
    const e = this.find(key);
    if (e === undefined) return undefined;
    if (this.expires.size > 0 && this.isExpired(key, nowMs)) {
      this.expireKey(key);
      return undefined;
    }
    this.touch(e, nowMs);
    return e;
  }

  /** Like get, but counts keyspace hits and misses (GET and other read commands). */
  getCounted(key: string, nowMs: number): Entry | undefined {
    const e = this.get(key, nowMs);
    if (e === undefined) this.stats.keyspaceMisses++;
    else this.stats.keyspaceHits++;
    return e;
  }

  /** The live entry without touching its access metadata (OBJECT, TYPE-free inspection). */
  peek(key: string, nowMs: number): Entry | undefined {
    const e = this.find(key);
    if (e === undefined) return undefined;
    if (this.expires.size > 0 && this.isExpired(key, nowMs)) {
      this.expireKey(key);
      return undefined;
    }
    return e;
  }

  has(key: string, nowMs: number): boolean {
    return this.peek(key, nowMs) !== undefined;
  }

  isExpired(key: string, nowMs: number): boolean {
    const at = this.expires.get(key);
    return at !== undefined && at <= nowMs;
  }

  private expireKey(key: string): void {
    if (!this.expireOnAccess) {
      // A replica hides the key; the leader's delete entry removes it.
      return;
    }
    this.delete(key);
    this.stats.expiredKeys++;
    this.onKeyExpired?.(key);
  }

  // ---- writes -------------------------------------------------------------------------

  /**
   * Stores value at key. Unless keepTtl, any TTL is cleared (SET semantics); expireAtMs sets a
   * new one. Returns the entry.
   */
  set(key: string, v: Value, nowMs: number, keepTtl = false, expireAtMs?: number): Entry {
    const e = this.find(key);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    if (expireAtMs !== undefined) this.expires.set(key, expireAtMs);
    if (e !== undefined) {
      // Rewriting the same value (a cache refresh) keeps the stored string: no new object to
      // promote out of the young generation, no write barrier.
      if (e.v !== v) e.v = v;
      this.touch(e, nowMs);
      this.account(key, e);
      this.onKeyChanged?.(key);
      return e;
    }
    const pos = this.order.length;
    this.order.push(key);
    this.seqs.push(this.nextSeq++);
    const created = new Entry(v, this.initialMeta(nowMs), pos, 0);
    this.map.set(key, created);
    this.account(key, created);
    this.onKeyChanged?.(key);
    return created;
  }

  /** Recomputes the memory estimate of a key whose value was changed in place, and notifies. */
  modified(key: string, e: Entry): void {
    this.account(key, e);
    this.onKeyChanged?.(key);
  }

  private account(key: string, e: Entry): void {
    const bytes = entryBytes(key, e.v, this.expires.size > 0 && this.expires.has(key));
    this.usedBytes += bytes - e.bytes;
    e.bytes = bytes;
  }

  delete(key: string): boolean {
    const e = this.find(key);
    if (e === undefined) return false;
    this.map.delete(key);
    this.expires.delete(key);
    this.usedBytes -= e.bytes;
    this.order[e.pos] = null;
    this.holes++;
    if (this.holes > COMPACT_MIN_SLOTS && this.holes * 2 > this.order.length && this.cow === null) this.compact();
    this.onKeyChanged?.(key);
    return true;
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    this.cow?.beforeFlush();
    const n = this.map.size;
    this.map.clear();
    this.expires.clear();
    this.order = [];
    this.seqs = [];
    this.holes = 0;
    this.usedBytes = 0;
    this.expireCursor = null;
    this.volatileCursor = null;
    this.onFlush?.();
    return n;
  }

  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  setExpire(key: string, e: Entry, atMs: number): void {
    this.expires.set(key, atMs);
    this.modified(key, e);
  }

  /** Clears a TTL; true when there was one. */
  persist(key: string, e: Entry): boolean {
    if (!this.expires.delete(key)) return false;
    this.modified(key, e);
    return true;
  }

  // ---- access metadata (LRU / LFU) ----------------------------------------------------

  private initialMeta(nowMs: number): number {
    return this.lfu ? (lfuMinutes(nowMs) << 8) | LFU_INIT_VAL : lruSeconds(nowMs);
  }

  private touch(e: Entry, nowMs: number): void {
    if (!this.lfu) {
      e.meta = lruSeconds(nowMs);
      return;
    }
    let counter = this.lfuDecayed(e.meta, nowMs);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      if (this.random.next() < 1 / (base * this.lfuLogFactor + 1)) counter++;
    }
    e.meta = (lfuMinutes(nowMs) << 8) | counter;
  }

  /** The LFU counter after decay: one step down per lfu-decay-time minutes idle. */
  lfuDecayed(meta: number, nowMs: number): number {
    const counter = meta & 0xff;
    if (this.lfuDecayTimeMinutes <= 0) return counter;
    const last = meta >>> 8;
    const now = lfuMinutes(nowMs);
    const elapsed = now >= last ? now - last : 0x10000 - last + now;
    const periods = Math.floor(elapsed / this.lfuDecayTimeMinutes);
    return periods > counter ? 0 : counter - periods;
  }

  /** Seconds since the entry was last accessed (OBJECT IDLETIME; meaningful under LRU). */
  idleSeconds(e: Entry, nowMs: number): number {
    return Math.max(0, lruSeconds(nowMs) - e.meta);
  }

  // ---- ordering: random keys and SCAN --------------------------------------------------

  /** A uniformly random live slot's key (expired keys included), or undefined if empty. */
  randomKeyRaw(): string | undefined {
    if (this.map.size === 0) return undefined;
    // Holes are at most half the slots (compaction), so this takes two tries on average.
    while (true) {
      const k = this.order[this.random.int(this.order.length)];
      if (k !== null && k !== undefined) return k;
    }
  }

  /** RANDOMKEY: a random key that has not expired, drawn with the caller's PRNG. */
  randomKey(random: Random, nowMs: number, triesMax = 100): string | undefined {
    for (let i = 0; i < triesMax && this.map.size > 0; i++) {
      const k = this.order[random.int(this.order.length)];
      if (k === null || k === undefined) continue;
      if (!this.isExpired(k, nowMs)) return k;
      if (this.expireOnAccess) this.expireKey(k);
    }
    return undefined;
  }

  /**
   * Visits up to `count` keys from `cursor` (0 = start; the answer is 0 at the end). The cursor
   * holds two sequence numbers: the slot to resume at, and the first sequence number not yet
   * given out when the scan started. Keys created after that are not visited, so a scan always
   * ends, even while keys are added faster than it reads (Redis's guarantee for a keyspace of
   * bounded size). Every key present for the whole scan is returned at least once: sequence
   * numbers only grow along the array, and compaction keeps them. Both halves are stored
   * modulo 2^32 and resolved against nextSeq, so a cursor stays exact for 4 billion key
   * creations after it was issued.
   */
  scan(cursor: bigint, count: number): ScanResult {
    let from = 0;
    let end = this.nextSeq;
    if (cursor !== 0n) {
      from = this.unwrapSeq(Number(cursor % CURSOR_HALF));
      end = this.unwrapSeq(Number(cursor / CURSOR_HALF));
    }
    let i = this.firstSlotAtOrAfter(from);
    const keys: string[] = [];
    while (i < this.order.length && keys.length < count && (this.seqs[i] as number) < end) {
      const k = this.order[i];
      if (k !== null && k !== undefined) keys.push(k);
      i++;
    }
    if (i >= this.order.length || (this.seqs[i] as number) >= end) return { cursor: 0n, keys };
    // A low half of 0 would make cursor 0 possible; resuming one earlier only risks a repeat.
    let low = (this.seqs[i] as number) % SEQ_WRAP;
    if (low === 0) low = SEQ_WRAP - 1;
    return { cursor: BigInt(end % SEQ_WRAP) * CURSOR_HALF + BigInt(low), keys };
  }

  /** The largest sequence number ≤ nextSeq that is ≡ v (mod 2^32). */
  private unwrapSeq(v: number): number {
    const back = (((this.nextSeq - v) % SEQ_WRAP) + SEQ_WRAP) % SEQ_WRAP;
    return this.nextSeq - back;
  }

  private firstSlotAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    const order: string[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.order.length; i++) {
      const k = this.order[i];
      if (k === null || k === undefined) continue;
      const e = this.map.get(k);
      assert(e !== undefined, 'order array holds a key the map does not');
      e.pos = order.length;
      order.push(k);
      seqs.push(this.seqs[i] as number);
    }
    this.order = order;
    this.seqs = seqs;
    this.holes = 0;
  }

  /** Every key, expired or not (KEYS filters). */
  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  entries(): IterableIterator<[string, Entry]> {
    return this.map.entries();
  }

  /** The entry without any expiry check (eviction, expiry). */
  raw(key: string): Entry | undefined {
    return this.find(key);
  }

  /** The entry, telling no copy-on-write hook (the snapshot writer's own reads). */
  rawQuiet(key: string): Entry | undefined {
    return this.map.get(key);
  }

  /** Order slots (insertion order with holes): how a snapshot walks the keyspace. */
  get slotCount(): number {
    return this.order.length;
  }

  slotKey(slot: number): string | null {
    return this.order[slot] ?? null;
  }

  // ---- active expiry ------------------------------------------------------------------

  /**
   * Walks the expiry index from where the last call stopped and returns keys past their
   * expire-at, checking at most `checkMax` keys. The caller deletes them (directly on a single
   * node; through the log on a Raft leader) and bounds the time it spends.
   */
  collectExpired(nowMs: number, checkMax: number): string[] {
    const out: string[] = [];
    if (this.expires.size === 0) return out;
    if (this.expireCursor === null) this.expireCursor = this.expires.entries();
    for (let i = 0; i < checkMax; i++) {
      const step = this.expireCursor.next();
      if (step.done === true) {
        // One full pass done; the next call starts a new one.
        this.expireCursor = null;
        break;
      }
      const [key, at] = step.value;
      if (at <= nowMs) out.push(key);
    }
    return out;
  }

  /** Deletes an expired key found by the active cycle and counts it. */
  deleteExpired(key: string): void {
    if (this.delete(key)) this.stats.expiredKeys++;
  }

  /**
   * Up to `n` keys with a TTL for volatile-* eviction. Like Redis, draw them at random; random
   * slots of the whole keyspace are tried first (cheap when TTL keys are common), and when TTL
   * keys are too rare for that, a cursor cycling through the expiry index tops the sample up.
   */
  sampleVolatile(n: number): string[] {
    const out: string[] = [];
    if (this.expires.size === 0) return out;
    const draws = n * VOLATILE_RANDOM_DRAWS_PER_SAMPLE;
    for (let i = 0; i < draws && out.length < n; i++) {
      const k = this.randomKeyRaw();
      if (k !== undefined && this.expires.has(k)) out.push(k);
    }
    let wrapped = false;
    while (out.length < n) {
      if (this.volatileCursor === null) this.volatileCursor = this.expires.keys();
      const step = this.volatileCursor.next();
      if (step.done === true) {
        this.volatileCursor = null;
        // One full lap of the index is enough: there are fewer TTL keys than asked for.
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      out.push(step.value);
    }
    return out;
  }

  private volatileCursor: Iterator<string> | null = null;
}

/** LRU clock: seconds, kept in a small integer so the entry's field stays unboxed. */
export function lruSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000) & 0x3fffffff;
}

function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff;
}
