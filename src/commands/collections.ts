// Helpers shared by the collection families (hashes, lists, sets, sorted sets): typed lookup
// with WRONGTYPE, writing a changed collection back (an emptied one removes its key), numkeys
// parsing, random-count parsing and the *SCAN reply.

import {
  err, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, ErrorReply, type Reply,
} from '../protocol/reply.ts';
import type { Entry } from '../store/keyspace.ts';
import type { CollectionValue, ValueType } from '../store/types.ts';
import { globMatch } from '../util/glob.ts';
import { parseBigInt, parseLong } from './args.ts';
import { parseCursor, parseScanOptions } from './keys.ts';
import { parseLongDouble } from './longdouble.ts';
import type { ExecContext } from './types.ts';

/**
 * Most elements a random-count reply (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER with a negative
 * count) may hold. Redis has no bound and would try to build the reply; Floe answers
 * "value is out of range" rather than run out of memory.
 */
export const RANDOM_COUNT_MAX = 10_000_000;

/**
 * The entry at key when it holds a `type`, null when absent, or WRONGTYPE. Reads count a
 * keyspace hit or miss; writes (write = true) do not, as in Redis.
 */
export function lookup(ctx: ExecContext, key: string, type: Exclude<ValueType, 'string'>, write: boolean): Entry | null | ErrorReply {
  const e = write ? ctx.db.get(key, ctx.nowMs) : ctx.db.getCounted(key, ctx.nowMs);
  if (e === undefined) return null;
  const v = e.v;
  if (typeof v === 'string' || v.type !== type) return ERR_WRONGTYPE;
  return e;
}

/** WRONGTYPE when key exists with another type (without touching it), else null. */
export function checkType(ctx: ExecContext, key: string, type: Exclude<ValueType, 'string'>): ErrorReply | null {
  const e = ctx.db.peek(key, ctx.nowMs);
  if (e === undefined) return null;
  return typeof e.v === 'string' || e.v.type !== type ? ERR_WRONGTYPE : null;
}

/**
 * Writes back a collection changed in place (entry e) or newly made (e null): an empty one
 * deletes the key; otherwise memory accounting and WATCH learn of the change.
 */
export function commit(ctx: ExecContext, key: string, e: Entry | null, v: CollectionValue): void {
  if (v.size() === 0) {
    if (e !== null) ctx.db.delete(key);
    return;
  }
  if (e === null) ctx.db.set(key, v, ctx.nowMs);
  else ctx.db.modified(key, e);
}

/** Replaces whatever is at key with v (the *STORE commands); an empty v deletes the key. */
export function store(ctx: ExecContext, key: string, v: CollectionValue): void {
  if (v.size() === 0) ctx.db.delete(key);
  else ctx.db.set(key, v, ctx.nowMs);
}

/**
 * numkeys at args[at] followed by that many keys: the count, or the error Redis gives
 * (`zeroError` for numkeys ≤ 0, syntax error when fewer keys follow than announced).
 */
export function parseNumKeys(args: string[], at: number, zeroError: string): number | ErrorReply {
  const n = parseLong(args[at] as string);
  if (n === null) return ERR_NOT_INTEGER;
  if (n <= 0) return err(zeroError);
  if (n > args.length - at - 1) return ERR_SYNTAX;
  return n;
}

/** Key positions of a numkeys command: numkeys at `at`, keys right after it. */
export function numKeysPositions(at: number, offset = 0): (args: string[]) => number[] {
  return (args) => {
    const n = parseLong(args[at] ?? '');
    const out: number[] = [];
    if (offset > 0) out.push(offset);
    if (n === null || n <= 0) return out;
    for (let i = at + 1; i <= at + n && i < args.length; i++) out.push(i);
    return out;
  };
}

const ERR_LONG_RANGE = err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');

/**
 * A random-count argument (HRANDFIELD, ZRANDMEMBER): range ±(2^63-1), halved when values
 * double the reply (WITHVALUES, WITHSCORES), bounded by RANDOM_COUNT_MAX in magnitude.
 */
export function parseRandomCount(s: string, doubled: boolean): number | ErrorReply {
  const b = parseBigInt(s);
  if (b === null) return ERR_NOT_INTEGER;
  if (b === -9223372036854775808n) return ERR_LONG_RANGE;
  const limit = doubled ? 4611686018427387903n : 9223372036854775807n;
  if (b < -limit || b > limit) return err('ERR value is out of range');
  if (b < -BigInt(RANDOM_COUNT_MAX)) return err('ERR value is out of range');
  // A large positive count means "all of it": any value past the collection size will do.
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
}

/** Indexes 0..n-1 in random order, first `count` of them (partial Fisher-Yates). */
export function randomIndexes(n: number, count: number, random: { int(n: number): number }): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.int(n - i);
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  idx.length = count;
  return idx;
}

/** The things *SCAN needs from a collection: a cursor walk that visits elements. */
export type ScanWalk = (cursor: number, count: number, visit: (item: string, value: string | null) => void) => number;

/**
 * HSCAN/SSCAN/ZSCAN after the key was found: parses [MATCH] [COUNT], walks, filters and
 * answers [cursor, items]. Values (hash values, scores) follow their item when present.
 */
export function scanCollection(args: string[], cursor: number, walk: ScanWalk): Reply {
  const o = parseScanOptions(args, 3, false);
  if (o instanceof ErrorReply) return o;
  const out: string[] = [];
  const match = o.match;
  const next = walk(cursor, o.count, (item, value) => {
    if (match !== null && !globMatch(match, item)) return;
    out.push(item);
    if (value !== null) out.push(value);
  });
  return [String(next), out];
}

/** The cursor of a *SCAN, or the error. */
export function scanCursor(s: string): number | ErrorReply {
  const c = parseCursor(s);
  return c === null ? err('ERR invalid cursor') : c;
}

/** The empty *SCAN reply for a missing key. */
export function emptyScan(): Reply {
  return ['0', []];
}

const LLONG_MAX = 2 ** 63 - 1; // as a double: 2^63, what C's comparison with a long double sees

/**
 * A blocking command's timeout in seconds (fractional, as strtold reads it) as milliseconds;
 * 0 blocks forever. Errors as Redis 7.2 words them.
 */
export function parseTimeoutMs(s: string, nowMs: number): number | ErrorReply {
  const v = parseLongDouble(s);
  if (v === null) return err('ERR timeout is not a float or out of range');
  if (v.kind === 'inf') return v.neg ? err('ERR timeout is negative') : err('ERR timeout is out of range');
  const seconds = (v.neg ? -1 : 1) * Number(v.m) * 2 ** v.e;
  let ms = Math.ceil(seconds * 1000);
  if (ms === 0 && v.m !== 0n && !v.neg) ms = 1; // below a double's range, still above zero
  if (ms > LLONG_MAX) return err('ERR timeout is out of range');
  if (ms < 0) return err('ERR timeout is negative');
  if (ms > 0 && ms > LLONG_MAX - nowMs) return err('ERR timeout is out of range');
  return ms;
}
