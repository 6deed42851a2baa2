// Sorted-set commands (Redis's t_zset.c): ZADD and its options, scores and ranks, the ZRANGE
// family by rank, score and lex, removals by range, pops (ZPOPMIN/MAX, ZMPOP and the blocking
// forms, which run here non-blocking; server/blocking.ts parks the client), random members, the
// ZUNION/ZINTER/ZDIFF algebra and ZSCAN. Argument rules live in zset-args.ts.

import {
  DoubleReply, err, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, ErrorReply, NULL_ARRAY, wrongArity, type Reply,
} from '../protocol/reply.ts';
import { formatDouble } from '../protocol/writer.ts';
import type { Entry } from '../store/keyspace.ts';
import { encodingLimits } from '../store/limits.ts';
import { SetValue } from '../store/set.ts';
import { ZSetValue } from '../store/zset.ts';
import {
  commit, emptyScan, lookup, numKeysPositions, parseRandomCount, parseTimeoutMs, randomIndexes, scanCollection, scanCursor, store,
} from './collections.ts';
import { parseLong } from './args.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';
import {
  ERR_NAN_SCORE, pairsReply, parseLexRange, parseScore, parseScoreRange, type LexItem, type LexRange, type ScoreRange,
} from './zset-args.ts';

function readZset(ctx: ExecContext, key: string, write = false): ZSetValue | null | ErrorReply {
  const e = lookup(ctx, key, 'zset', write);
  return e === null || e instanceof ErrorReply ? e : (e.v as ZSetValue);
}

// ---- ZADD / ZINCRBY --------------------------------------------------------------------

interface ZaddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

/** Parses the options and pairs; returns flags, the index of the first score, and scores. */
function parseZadd(args: string[]): [ZaddFlags, number, number[]] | ErrorReply {
  const f: ZaddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
  let i = 2;
  for (; i < args.length; i++) {
    const o = (args[i] as string).toLowerCase();
    if (o === 'nx') f.nx = true;
    else if (o === 'xx') f.xx = true;
    else if (o === 'ch') f.ch = true;
    else if (o === 'incr') f.incr = true;
    else if (o === 'gt') f.gt = true;
    else if (o === 'lt') f.lt = true;
    else break;
  }
  const n = args.length - i;
  if (n === 0 || n % 2 !== 0) return ERR_SYNTAX;
  if (f.xx && f.nx) return err('ERR XX and NX options at the same time are not compatible');
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) return err('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (f.incr && n > 2) return err('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = i; j < args.length; j += 2) {
    const s = parseScore(args[j] as string);
    if (s === null) return ERR_NOT_FLOAT;
    scores.push(s);
  }
  return [f, i, scores];
}

/** Adds or updates one member under the ZADD flags: the new score, null for no-op, or NaN error. */
function zaddOne(z: ZSetValue, member: string, score0: number, f: ZaddFlags, ctx: ExecContext, counts: [number, number]): number | null | ErrorReply {
  const cur = z.score(member);
  if (cur !== undefined) {
    if (f.nx) return null;
    const score = f.incr ? score0 + cur : score0;
    if (Number.isNaN(score)) return ERR_NAN_SCORE;
    if ((f.lt && score >= cur) || (f.gt && score <= cur)) return null;
    if (score !== cur) {
      z.set(member, score, encodingLimits(ctx.db));
      counts[1]++;
    }
    return score;
  }
  if (f.xx) return null;
  z.set(member, score0, encodingLimits(ctx.db));
  counts[0]++;
  return score0;
}

function zadd(ctx: ExecContext, args: string[]): Reply {
  const parsed = parseZadd(args);
  if (parsed instanceof ErrorReply) return parsed;
  const [f, first, scores] = parsed;
  const key = args[1] as string;
  const e = lookup(ctx, key, 'zset', true);
  if (e instanceof ErrorReply) return e;
  if (e === null && f.xx) return f.incr ? null : 0;
  const limits = encodingLimits(ctx.db);
  let z: ZSetValue;
  if (e === null) {
    let longest = 0;
    for (let j = first + 1; j < args.length; j += 2) longest = Math.max(longest, (args[j] as string).length);
    z = ZSetValue.create(scores.length, longest, limits);
  } else {
    z = e.v as ZSetValue;
    z.maybeConvert(scores.length, limits);
  }
  const counts: [number, number] = [0, 0];
  let last: number | null = null;
  let processed = 0;
  for (let j = 0; j < scores.length; j++) {
    const r = zaddOne(z, args[first + 1 + 2 * j] as string, scores[j] as number, f, ctx, counts);
    if (r instanceof ErrorReply) return r;
    if (r !== null) {
      processed++;
      last = r;
    }
  }
  if (counts[0] + counts[1] > 0) commit(ctx, key, e, z);
  if (f.incr) return processed > 0 ? new DoubleReply(last as number) : null;
  return f.ch ? counts[0] + counts[1] : counts[0];
}

function zincrby(ctx: ExecContext, args: string[]): Reply {
  return zadd(ctx, [args[0] as string, args[1] as string, 'incr', args[2] as string, args[3] as string]);
}

// ---- ranges ------------------------------------------------------------------------------

/** The ranks [lo, hi) whose scores are within the range. */
function scoreRanks(z: ZSetValue, r: ScoreRange): [number, number] {
  const lo = z.countBelow(r.min, r.minEx);
  const hi = z.countBelow(r.max, !r.maxEx);
  return [lo, Math.max(lo, hi)];
}

function lexBound(z: ZSetValue, item: LexItem, isMin: boolean): number {
  if (item.kind === 'min') return 0;
  if (item.kind === 'max') return z.size();
  // For the minimum, "[x" starts at the first member ≥ x; for the maximum, "[x" ends after x.
  return z.countBelowLex(item.value, isMin ? item.exclusive : !item.exclusive);
}

/** The ranks [lo, hi) whose members are within the lex range. */
function lexRanks(z: ZSetValue, r: LexRange): [number, number] {
  const lo = lexBound(z, r.min, true);
  const hi = lexBound(z, r.max, false);
  return [lo, Math.max(lo, hi)];
}

/** Clamps Redis rank indexes (negative from the end); null when the range is empty. */
function clampRanks(start0: number, end0: number, len: number): [number, number] | null {
  let start = start0 < 0 ? len + start0 : start0;
  let end = end0 < 0 ? len + end0 : end0;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

interface RangeResult {
  members: string[];
  scores: number[];
}

/** Collects ranks [lo, hi) with LIMIT offset/count applied from the front or, reversed, the back. */
function collect(z: ZSetValue, lo: number, hi: number, reverse: boolean, offset: number, count: number): RangeResult {
  const out: RangeResult = { members: [], scores: [] };
  if (offset < 0 || lo >= hi) return out;
  const avail = hi - lo - offset;
  const n = count < 0 ? avail : Math.min(count, avail);
  if (n <= 0) return out;
  const push = (m: string, s: number) => {
    out.members.push(m);
    out.scores.push(s);
  };
  if (reverse) z.range(hi - 1 - offset - (n - 1), hi - 1 - offset, true, push);
  else z.range(lo + offset, lo + offset + n - 1, false, push);
  return out;
}

type RangeType = 'rank' | 'score' | 'lex';

interface RangeSpec {
  type: RangeType;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  count: number;
}

/** Parses ZRANGE's options after key min max; `fixed` pins the type/direction of the legacy commands. */
function parseRangeOptions(args: string[], from: number, fixed: { type?: RangeType; reverse?: boolean }, storing: boolean): RangeSpec | ErrorReply {
  let type: RangeType | null = fixed.type ?? null;
  let reverse: boolean | null = fixed.reverse ?? null;
  let withScores = false;
  let offset = 0;
  let count = -1;
  let limited = false;
  for (let i = from; i < args.length; i++) {
    const o = (args[i] as string).toLowerCase();
    if (!storing && o === 'withscores') withScores = true;
    else if (o === 'limit' && i + 2 < args.length) {
      const a = parseLong(args[i + 1] as string);
      const b = parseLong(args[i + 2] as string);
      if (a === null || b === null) return ERR_NOT_INTEGER;
      offset = a;
      count = b;
      limited = true;
      i += 2;
    } else if (reverse === null && o === 'rev') reverse = true;
    else if (type === null && o === 'bylex') type = 'lex';
    else if (type === null && o === 'byscore') type = 'score';
    else return ERR_SYNTAX;
  }
  const t = type ?? 'rank';
  if (limited && t === 'rank') return err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  if (withScores && t === 'lex') return err('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  return { type: t, reverse: reverse ?? false, withScores, offset, count };
}

/** Runs a parsed range against z. `a`, `b` are the range arguments in command order. */
function runRange(z: ZSetValue, spec: RangeSpec, bounds: [number, number] | ScoreRange | LexRange): RangeResult {
  if (spec.type === 'rank') {
    const [s, e] = bounds as [number, number];
    const len = z.size();
    const r = clampRanks(s, e, len);
    if (r === null) return { members: [], scores: [] };
    const [lo, hi] = spec.reverse ? [len - 1 - r[1], len - 1 - r[0]] : r;
    return collect(z, lo, hi + 1, spec.reverse, 0, -1);
  }
  const [lo, hi] = spec.type === 'score' ? scoreRanks(z, bounds as ScoreRange) : lexRanks(z, bounds as LexRange);
  return collect(z, lo, hi, spec.reverse, spec.offset, spec.count);
}

/** Parses the range arguments (min/max swapped for reversed score and lex ranges). */
function parseBounds(spec: RangeSpec, a: string, b: string): [number, number] | ScoreRange | LexRange | ErrorReply {
  if (spec.type === 'rank') {
    const s = parseLong(a);
    const e = parseLong(b);
    return s === null || e === null ? ERR_NOT_INTEGER : [s, e];
  }
  const [min, max] = spec.reverse ? [b, a] : [a, b];
  return spec.type === 'score' ? parseScoreRange(min, max) : parseLexRange(min, max);
}

/** ZRANGE and every legacy form; `at` is the index of the source key. */
function zrangeGeneric(fixed: { type?: RangeType; reverse?: boolean }, storing: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const at = storing ? 2 : 1;
    const spec = parseRangeOptions(args, at + 3, fixed, storing);
    if (spec instanceof ErrorReply) return spec;
    const bounds = parseBounds(spec, args[at + 1] as string, args[at + 2] as string);
    if (bounds instanceof ErrorReply) return bounds;
    const z = readZset(ctx, args[at] as string);
    if (z instanceof ErrorReply) return z;
    const r = z === null ? { members: [], scores: [] } : runRange(z, spec, bounds);
    if (!storing) return pairsReply(ctx.client.proto, r.members, spec.withScores ? r.scores : null);
    storeResult(ctx, args[1] as string, r.members, r.scores);
    return r.members.length;
  };
}

/** Stores members/scores (already unique) at key as a new sorted set; empty deletes the key. */
function storeResult(ctx: ExecContext, key: string, members: string[], scores: number[]): void {
  const limits = encodingLimits(ctx.db);
  let longest = 0;
  for (const m of members) longest = Math.max(longest, m.length);
  const z = ZSetValue.create(members.length, longest, limits);
  for (let i = 0; i < members.length; i++) z.set(members[i] as string, scores[i] as number, limits);
  store(ctx, key, z);
}

function zcount(kind: 'score' | 'lex') {
  return (ctx: ExecContext, args: string[]): Reply => {
    const bounds = kind === 'score' ? parseScoreRange(args[2] as string, args[3] as string) : parseLexRange(args[2] as string, args[3] as string);
    if (bounds instanceof ErrorReply) return bounds;
    const z = readZset(ctx, args[1] as string);
    if (z === null || z instanceof ErrorReply) return z ?? 0;
    const [lo, hi] = kind === 'score' ? scoreRanks(z, bounds as ScoreRange) : lexRanks(z, bounds as LexRange);
    return hi - lo;
  };
}

function zremrange(kind: RangeType) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const spec: RangeSpec = { type: kind, reverse: false, withScores: false, offset: 0, count: -1 };
    const bounds = parseBounds(spec, args[2] as string, args[3] as string);
    if (bounds instanceof ErrorReply) return bounds;
    const key = args[1] as string;
    const e = lookup(ctx, key, 'zset', true);
    if (e === null || e instanceof ErrorReply) return e ?? 0;
    const z = e.v as ZSetValue;
    const r = runRange(z, spec, bounds);
    for (const m of r.members) z.delete(m);
    if (r.members.length > 0) commit(ctx, key, e, z);
    return r.members.length;
  };
}

// ---- single members ----------------------------------------------------------------------

function zrank(reverse: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    if (args.length > 4) return wrongArity(reverse ? 'zrevrank' : 'zrank');
    const withScore = args.length === 4;
    if (withScore && (args[3] as string).toLowerCase() !== 'withscore') return ERR_SYNTAX;
    const z = readZset(ctx, args[1] as string);
    if (z instanceof ErrorReply) return z;
    const r = z === null ? -1 : z.rank(args[2] as string);
    if (r < 0) return withScore ? NULL_ARRAY : null;
    const rank = reverse ? (z as ZSetValue).size() - 1 - r : r;
    return withScore ? [rank, new DoubleReply((z as ZSetValue).score(args[2] as string) as number)] : rank;
  };
}

function zrem(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const e = lookup(ctx, key, 'zset', true);
  if (e === null || e instanceof ErrorReply) return e ?? 0;
  const z = e.v as ZSetValue;
  let n = 0;
  for (let i = 2; i < args.length; i++) if (z.delete(args[i] as string)) n++;
  if (n > 0) commit(ctx, key, e, z);
  return n;
}

function zmscore(ctx: ExecContext, args: string[]): Reply {
  const z = readZset(ctx, args[1] as string);
  if (z instanceof ErrorReply) return z;
  const out: Reply[] = [];
  for (let i = 2; i < args.length; i++) {
    const s = z?.score(args[i] as string);
    out.push(s === undefined ? null : new DoubleReply(s));
  }
  return out;
}

// ---- pops --------------------------------------------------------------------------------

type PopShape = 'flat' | 'keyed' | 'nested';

/**
 * Pops up to count from the first non-empty sorted set among keys. Shapes: 'flat' (ZPOPMIN:
 * member, score…; pairs in RESP3 when a count was given), 'keyed' (BZPOPMIN: key, member,
 * score) and 'nested' (ZMPOP: key, [[member, score]…]). `none` is the reply when all are empty.
 */
function popFirst(ctx: ExecContext, keys: string[], max: boolean, count: number, shape: PopShape, countGiven: boolean, none: Reply): Reply {
  for (const key of keys) {
    const e = lookup(ctx, key, 'zset', true);
    if (e === null) continue;
    if (e instanceof ErrorReply) return e;
    return popFrom(ctx, key, e, max, count, shape, countGiven);
  }
  return none;
}

function popFrom(ctx: ExecContext, key: string, e: Entry, max: boolean, count: number, shape: PopShape, countGiven: boolean): Reply {
  const z = e.v as ZSetValue;
  const n = Math.min(count, z.size());
  const r = max ? collect(z, z.size() - n, z.size(), true, 0, -1) : collect(z, 0, n, false, 0, -1);
  for (const m of r.members) z.delete(m);
  commit(ctx, key, e, z);
  if (shape === 'keyed') return [key, r.members[0] as string, new DoubleReply(r.scores[0] as number)];
  if (shape === 'nested') return [key, pairsReply(3, r.members, r.scores)];
  return pairsReply(countGiven ? ctx.client.proto : 2, r.members, r.scores);
}

function zpop(max: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    if (args.length > 3) return ERR_SYNTAX;
    let count = 1;
    if (args.length === 3) {
      const c = parseLong(args[2] as string);
      if (c === null || c < 0) return err('ERR value is out of range, must be positive');
      if (c === 0) {
        // Redis checks the type before it answers a count of 0.
        const e = lookup(ctx, args[1] as string, 'zset', true);
        return e instanceof ErrorReply ? e : [];
      }
      count = c;
    }
    return popFirst(ctx, [args[1] as string], max, count, 'flat', args.length === 3, []);
  };
}

function bzpop(max: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const t = parseTimeoutMs(args[args.length - 1] as string, ctx.nowMs);
    if (t instanceof ErrorReply) return t;
    return popFirst(ctx, args.slice(1, -1), max, 1, 'keyed', false, NULL_ARRAY);
  };
}

/** ZMPOP / BZMPOP arguments from numkeys at `at`: keys, MAX?, count. */
function parseZmpop(args: string[], at: number): [string[], boolean, number] | ErrorReply {
  const n = parseLong(args[at] as string);
  if (n === null || n <= 0) return err('ERR numkeys should be greater than 0');
  const whereAt = at + n + 1;
  if (whereAt >= args.length) return ERR_SYNTAX;
  const where = (args[whereAt] as string).toLowerCase();
  if (where !== 'min' && where !== 'max') return ERR_SYNTAX;
  let count = -1;
  for (let i = whereAt + 1; i < args.length; i++) {
    if (count === -1 && (args[i] as string).toLowerCase() === 'count' && i + 1 < args.length) {
      const c = parseLong(args[++i] as string);
      if (c === null || c <= 0) return err('ERR count should be greater than 0');
      count = c;
    } else return ERR_SYNTAX;
  }
  return [args.slice(at + 1, whereAt), where === 'max', count === -1 ? 1 : count];
}

function zmpop(ctx: ExecContext, args: string[]): Reply {
  const p = parseZmpop(args, 1);
  if (p instanceof ErrorReply) return p;
  return popFirst(ctx, p[0], p[1], p[2], 'nested', true, NULL_ARRAY);
}

function bzmpop(ctx: ExecContext, args: string[]): Reply {
  const t = parseTimeoutMs(args[1] as string, ctx.nowMs);
  if (t instanceof ErrorReply) return t;
  const p = parseZmpop(args, 2);
  if (p instanceof ErrorReply) return p;
  return popFirst(ctx, p[0], p[1], p[2], 'nested', true, NULL_ARRAY);
}

// ---- random members and scan -------------------------------------------------------------

function zrandmember(ctx: ExecContext, args: string[]): Reply {
  if (args.length === 2) {
    const z = readZset(ctx, args[1] as string);
    return z === null || z instanceof ErrorReply ? z : z.random(ctx.random)[0];
  }
  const withScores = args.length === 4;
  if (args.length > 4 || (withScores && (args[3] as string).toLowerCase() !== 'withscores')) {
    const c = parseRandomCount(args[2] as string, false);
    return c instanceof ErrorReply ? c : ERR_SYNTAX;
  }
  const count = parseRandomCount(args[2] as string, withScores);
  if (count instanceof ErrorReply) return count;
  const z = readZset(ctx, args[1] as string);
  if (z === null || z instanceof ErrorReply) return z ?? [];
  const members: string[] = [];
  const scores: number[] = [];
  const size = z.size();
  if (count < 0 || count === 1) {
    for (let i = Math.abs(count); i > 0; i--) {
      const [m, s] = z.random(ctx.random);
      members.push(m);
      scores.push(s);
    }
  } else if (count * 3 <= size && z.encoding() !== 'listpack') {
    // A few members of a large set: draw until enough distinct ones (O(count), like Redis).
    const seen = new Set<string>();
    while (members.length < count) {
      const [m, s] = z.random(ctx.random);
      if (seen.has(m)) continue;
      seen.add(m);
      members.push(m);
      scores.push(s);
    }
  } else {
    const all: RangeResult = { members: [], scores: [] };
    z.decodeTo(all.members, all.scores);
    const picked = count >= size ? Array.from({ length: size }, (_, i) => i) : randomIndexes(size, count, ctx.random);
    for (const i of picked) {
      members.push(all.members[i] as string);
      scores.push(all.scores[i] as number);
    }
  }
  return pairsReply(ctx.client.proto, members, withScores ? scores : null);
}

function zscan(ctx: ExecContext, args: string[]): Reply {
  const cursor = scanCursor(args[2] as string);
  if (cursor instanceof ErrorReply) return cursor;
  const z = readZset(ctx, args[1] as string);
  if (z === null) return emptyScan();
  if (z instanceof ErrorReply) return z;
  return scanCollection(args, cursor, (c, n, visit) => z.scan(c, n, (m, s) => visit(m, formatDouble(s))));
}

// ---- ZUNION / ZINTER / ZDIFF -----------------------------------------------------------------

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** A source of the algebra: a sorted set, a plain set (every score 1), or nothing. */
type Source = ZSetValue | SetValue | null;

interface AlgebraArgs {
  sources: Source[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

function readSources(ctx: ExecContext, keys: string[], write: boolean): Source[] | ErrorReply {
  const out: Source[] = [];
  for (const k of keys) {
    const e = write ? ctx.db.get(k, ctx.nowMs) : ctx.db.getCounted(k, ctx.nowMs);
    if (e === undefined) {
      out.push(null);
      continue;
    }
    const v = e.v;
    if (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set')) return ERR_WRONGTYPE;
    out.push(v as ZSetValue | SetValue);
  }
  return out;
}

/** Parses numkeys, keys and options of ZUNION/ZINTER/ZDIFF[STORE] and ZINTERCARD. */
function parseAlgebra(ctx: ExecContext, args: string[], at: number, op: SetOp, mode: 'plain' | 'store' | 'card'): AlgebraArgs | ErrorReply {
  const n = parseLong(args[at] as string);
  if (n === null) return ERR_NOT_INTEGER;
  const name = (args[0] as string).toLowerCase();
  if (n < 1) return err(`ERR at least 1 input key is needed for '${name}' command`);
  if (n > args.length - at - 1) return ERR_SYNTAX;
  const sources = readSources(ctx, args.slice(at + 1, at + 1 + n), mode === 'store');
  if (sources instanceof ErrorReply) return sources;
  const a: AlgebraArgs = { sources, weights: new Array<number>(n).fill(1), aggregate: 'sum', withScores: false, limit: 0 };
  for (let j = at + 1 + n; j < args.length;) {
    const o = (args[j] as string).toLowerCase();
    const left = args.length - j;
    if (op !== 'diff' && mode !== 'card' && o === 'weights' && left >= n + 1) {
      for (let i = 0; i < n; i++) {
        const w = parseScore(args[j + 1 + i] as string);
        if (w === null) return err('ERR weight value is not a float');
        a.weights[i] = w;
      }
      j += n + 1;
    } else if (op !== 'diff' && mode !== 'card' && o === 'aggregate' && left >= 2) {
      const g = (args[j + 1] as string).toLowerCase();
      if (g !== 'sum' && g !== 'min' && g !== 'max') return ERR_SYNTAX;
      a.aggregate = g;
      j += 2;
    } else if (mode === 'plain' && o === 'withscores') {
      a.withScores = true;
      j += 1;
    } else if (mode === 'card' && o === 'limit' && left >= 2) {
      const l = parseLong(args[j + 1] as string);
      if (l === null || l < 0) return err('ERR LIMIT can\'t be negative');
      a.limit = l;
      j += 2;
    } else return ERR_SYNTAX;
  }
  return a;
}

function sourceSize(s: Source): number {
  return s === null ? 0 : s.size();
}

function sourceScore(s: Source, m: string): number | undefined {
  if (s === null) return undefined;
  if (s instanceof SetValue) return s.has(m) ? 1 : undefined;
  return s.score(m);
}

function sourceEach(s: Source, fn: (m: string, score: number) => void): void {
  if (s === null) return;
  if (s instanceof SetValue) {
    for (const m of s.members()) fn(m, 1);
    return;
  }
  if (s.size() > 0) s.range(0, s.size() - 1, false, fn);
}

/** A weighted score; inf × 0 counts as 0, as in Redis. */
function weighted(score: number, w: number): number {
  const v = score * w;
  return Number.isNaN(v) ? 0 : v;
}

function aggregate(acc: number, v: number, how: Aggregate): number {
  if (how === 'min') return Math.min(acc, v);
  if (how === 'max') return Math.max(acc, v);
  const s = acc + v;
  return Number.isNaN(s) ? 0 : s; // inf + -inf
}

/** The result of the algebra as member → score (insertion order irrelevant; sorted later). */
function compute(op: SetOp, a: AlgebraArgs): Map<string, number> {
  const out = new Map<string, number>();
  const { sources, weights } = a;
  if (op === 'union') {
    sources.forEach((s, i) => sourceEach(s, (m, score) => {
      const v = weighted(score, weights[i] as number);
      const cur = out.get(m);
      out.set(m, cur === undefined ? v : aggregate(cur, v, a.aggregate));
    }));
    return out;
  }
  if (op === 'diff') {
    const [first, ...rest] = sources;
    sourceEach(first ?? null, (m, score) => {
      if (!rest.some((s) => sourceScore(s, m) !== undefined)) out.set(m, score);
    });
    return out;
  }
  if (sources.some((s) => sourceSize(s) === 0)) return out;
  const order = sources.map((_, i) => i).sort((x, y) => sourceSize(sources[x] ?? null) - sourceSize(sources[y] ?? null));
  const smallest = order[0] as number;
  sourceEach(sources[smallest] ?? null, (m, score) => {
    let acc = weighted(score, weights[smallest] as number);
    for (const i of order.slice(1)) {
      const s = sourceScore(sources[i] ?? null, m);
      if (s === undefined) return;
      acc = aggregate(acc, weighted(s, weights[i] as number), a.aggregate);
    }
    out.set(m, acc);
  });
  return out;
}

/** Members and scores of a result map in (score, member) order. */
function sorted(result: Map<string, number>): RangeResult {
  const entries = [...result.entries()].sort((x, y) => (x[1] - y[1]) || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return { members: entries.map((x) => x[0]), scores: entries.map((x) => x[1]) };
}

function algebra(op: SetOp, mode: 'plain' | 'store') {
  return (ctx: ExecContext, args: string[]): Reply => {
    const a = parseAlgebra(ctx, args, mode === 'store' ? 2 : 1, op, mode);
    if (a instanceof ErrorReply) return a;
    const r = sorted(compute(op, a));
    if (mode === 'plain') return pairsReply(ctx.client.proto, r.members, a.withScores ? r.scores : null);
    storeResult(ctx, args[1] as string, r.members, r.scores);
    return r.members.length;
  };
}

function zintercard(ctx: ExecContext, args: string[]): Reply {
  const a = parseAlgebra(ctx, args, 1, 'inter', 'card');
  if (a instanceof ErrorReply) return a;
  const n = compute('inter', a).size;
  return a.limit > 0 ? Math.min(n, a.limit) : n;
}

// ---- table ---------------------------------------------------------------------------------

const W = F.WRITE | F.DENYOOM;
const R = F.READONLY;
const KEY1: [number, number, number] = [1, 1, 1];
const g = 'sorted-set';
const B = F.WRITE | F.BLOCKING;

export const zsetCommands: CommandSpec[] = [
  cmd({ name: 'zadd', arity: -4, flags: W | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn\'t exist.',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.', handler: zadd }),
  cmd({ name: 'zincrby', arity: 4, flags: W | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Increments the score of a member in a sorted set.',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.', handler: zincrby }),
  cmd({ name: 'zscore', arity: 3, flags: R | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Returns the score of a member in a sorted set.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const z = readZset(ctx, a[1] as string);
      if (z === null || z instanceof ErrorReply) return z;
      const s = z.score(a[2] as string);
      return s === undefined ? null : new DoubleReply(s);
    } }),
  cmd({ name: 'zmscore', arity: -3, flags: R | F.FAST, keys: KEY1, group: g, since: '6.2.0', summary: 'Returns the score of one or more members in a sorted set.',
    complexity: 'O(N) where N is the number of members being requested.', handler: zmscore }),
  cmd({ name: 'zcard', arity: 2, flags: R | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Returns the number of members in a sorted set.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const z = readZset(ctx, a[1] as string);
      return z === null || z instanceof ErrorReply ? (z ?? 0) : z.size();
    } }),
  cmd({ name: 'zcount', arity: 4, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the count of members in a sorted set that have scores within a range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', handler: zcount('score') }),
  cmd({ name: 'zlexcount', arity: 4, flags: R | F.FAST, keys: KEY1, group: g, since: '2.8.9', summary: 'Returns the number of members in a sorted set within a lexicographical range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', handler: zcount('lex') }),
  cmd({ name: 'zrange', arity: -4, flags: R, keys: KEY1, group: g, since: '1.2.0', summary: 'Returns members in a sorted set within a range of indexes.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.', handler: zrangeGeneric({}, false) }),
  cmd({ name: 'zrangestore', arity: -5, flags: W | F.DENYOOM, keys: [1, 2, 1], group: g, since: '6.2.0', summary: 'Stores a range of members from sorted set in a key.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.', handler: zrangeGeneric({}, true) }),
  cmd({ name: 'zrevrange', arity: -4, flags: R, keys: KEY1, group: g, since: '1.2.0', summary: 'Returns members in a sorted set within a range of indexes in reverse order.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.', handler: zrangeGeneric({ type: 'rank', reverse: true }, false) }),
  cmd({ name: 'zrangebyscore', arity: -4, flags: R, keys: KEY1, group: g, since: '1.0.5', summary: 'Returns members in a sorted set within a range of scores.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.', handler: zrangeGeneric({ type: 'score', reverse: false }, false) }),
  cmd({ name: 'zrevrangebyscore', arity: -4, flags: R, keys: KEY1, group: g, since: '2.2.0', summary: 'Returns members in a sorted set within a range of scores in reverse order.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.', handler: zrangeGeneric({ type: 'score', reverse: true }, false) }),
  cmd({ name: 'zrangebylex', arity: -4, flags: R, keys: KEY1, group: g, since: '2.8.9', summary: 'Returns members in a sorted set within a lexicographical range.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.', handler: zrangeGeneric({ type: 'lex', reverse: false }, false) }),
  cmd({ name: 'zrevrangebylex', arity: -4, flags: R, keys: KEY1, group: g, since: '2.8.9', summary: 'Returns members in a sorted set within a lexicographical range in reverse order.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.', handler: zrangeGeneric({ type: 'lex', reverse: true }, false) }),
  cmd({ name: 'zrank', arity: -3, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the index of a member in a sorted set ordered by ascending scores.',
    complexity: 'O(log(N))', handler: zrank(false) }),
  cmd({ name: 'zrevrank', arity: -3, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the index of a member in a sorted set ordered by descending scores.',
    complexity: 'O(log(N))', handler: zrank(true) }),
  cmd({ name: 'zrem', arity: -3, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.',
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.', handler: zrem }),
  cmd({ name: 'zremrangebyrank', arity: 4, flags: F.WRITE, keys: KEY1, group: g, since: '2.0.0', summary: 'Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.', handler: zremrange('rank') }),
  cmd({ name: 'zremrangebyscore', arity: 4, flags: F.WRITE, keys: KEY1, group: g, since: '1.2.0', summary: 'Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.', handler: zremrange('score') }),
  cmd({ name: 'zremrangebylex', arity: 4, flags: F.WRITE, keys: KEY1, group: g, since: '2.8.9', summary: 'Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.', handler: zremrange('lex') }),
  cmd({ name: 'zpopmin', arity: -2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '5.0.0', summary: 'Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.', handler: zpop(false) }),
  cmd({ name: 'zpopmax', arity: -2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '5.0.0', summary: 'Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.', handler: zpop(true) }),
  cmd({ name: 'bzpopmin', arity: -3, flags: B | F.FAST, keys: [1, -2, 1], group: g, since: '5.0.0', summary: 'Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', handler: bzpop(false) }),
  cmd({ name: 'bzpopmax', arity: -3, flags: B | F.FAST, keys: [1, -2, 1], group: g, since: '5.0.0', summary: 'Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', handler: bzpop(true) }),
  cmd({ name: 'zmpop', arity: -4, flags: F.WRITE, keyFn: numKeysPositions(1), group: g, since: '7.0.0', summary: 'Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.', handler: zmpop }),
  cmd({ name: 'bzmpop', arity: -5, flags: B, keyFn: numKeysPositions(2), group: g, since: '7.0.0', summary: 'Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.', handler: bzmpop }),
  cmd({ name: 'zrandmember', arity: -2, flags: R | F.RANDOM, keys: KEY1, group: g, since: '6.2.0', summary: 'Returns one or more random members from a sorted set.',
    complexity: 'O(N) where N is the number of members returned', handler: zrandmember }),
  cmd({ name: 'zunion', arity: -3, flags: R, keyFn: numKeysPositions(1), group: g, since: '6.2.0', summary: 'Returns the union of multiple sorted sets.',
    complexity: 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', handler: algebra('union', 'plain') }),
  cmd({ name: 'zinter', arity: -3, flags: R, keyFn: numKeysPositions(1), group: g, since: '6.2.0', summary: 'Returns the intersect of multiple sorted sets.',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.', handler: algebra('inter', 'plain') }),
  cmd({ name: 'zdiff', arity: -3, flags: R, keyFn: numKeysPositions(1), group: g, since: '6.2.0', summary: 'Returns the difference between multiple sorted sets.',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.', handler: algebra('diff', 'plain') }),
  cmd({ name: 'zunionstore', arity: -4, flags: W, keyFn: numKeysPositions(2, 1), group: g, since: '2.0.0', summary: 'Stores the union of multiple sorted sets in a key.',
    complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.', handler: algebra('union', 'store') }),
  cmd({ name: 'zinterstore', arity: -4, flags: W, keyFn: numKeysPositions(2, 1), group: g, since: '2.0.0', summary: 'Stores the intersect of multiple sorted sets in a key.',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.', handler: algebra('inter', 'store') }),
  cmd({ name: 'zdiffstore', arity: -4, flags: W, keyFn: numKeysPositions(2, 1), group: g, since: '6.2.0', summary: 'Stores the difference of multiple sorted sets in a key.',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.', handler: algebra('diff', 'store') }),
  cmd({ name: 'zintercard', arity: -3, flags: R, keyFn: numKeysPositions(1), group: g, since: '7.0.0', summary: 'Returns the number of members of the intersect of multiple sorted sets.',
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.', handler: zintercard }),
  cmd({ name: 'zscan', arity: -3, flags: R | F.RANDOM, keys: KEY1, group: g, since: '2.8.0', summary: 'Iterates over members and scores of a sorted set.',
    complexity: 'O(1) for every call. O(N) for a complete iteration.', handler: zscan }),
];

/** Which argument holds the timeout of each blocking sorted-set command. */
export const ZSET_TIMEOUT_ARG: Readonly<Record<string, (args: string[]) => number>> = {
  bzpopmin: (a) => a.length - 1,
  bzpopmax: (a) => a.length - 1,
  bzmpop: () => 1,
};
