// Set commands (Redis's t_set.c): membership, random members, moves, the algebra (SINTER,
// SUNION, SDIFF and their *STORE and *CARD forms) and SSCAN. The value type and its three
// encodings live in store/set.ts.

import { err, ERR_SYNTAX, ErrorReply, SetReply, type Reply } from '../protocol/reply.ts';
import { encodingLimits } from '../store/limits.ts';
import { SetValue } from '../store/set.ts';
import {
  checkType, commit, emptyScan, lookup, numKeysPositions, parseRandomCount, randomIndexes, scanCollection, scanCursor, store,
} from './collections.ts';
import { parseLong } from './args.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';

function readSet(ctx: ExecContext, key: string, write = false): SetValue | null | ErrorReply {
  const e = lookup(ctx, key, 'set', write);
  return e === null || e instanceof ErrorReply ? e : (e.v as SetValue);
}

function sadd(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const e = lookup(ctx, key, 'set', true);
  if (e instanceof ErrorReply) return e;
  const limits = encodingLimits(ctx.db);
  const n = args.length - 2;
  let s: SetValue;
  if (e === null) s = SetValue.create(args[2] as string, n, limits);
  else {
    s = e.v as SetValue;
    s.maybeConvert(n, limits);
  }
  let added = 0;
  for (let i = 2; i < args.length; i++) if (s.add(args[i] as string, limits)) added++;
  if (added > 0 || e === null) commit(ctx, key, e, s);
  return added;
}

function srem(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const e = lookup(ctx, key, 'set', true);
  if (e === null || e instanceof ErrorReply) return e ?? 0;
  const s = e.v as SetValue;
  let n = 0;
  for (let i = 2; i < args.length; i++) if (s.delete(args[i] as string)) n++;
  if (n > 0) commit(ctx, key, e, s);
  return n;
}

function smove(ctx: ExecContext, args: string[]): Reply {
  const src = args[1] as string;
  const dst = args[2] as string;
  const m = args[3] as string;
  const se = ctx.db.get(src, ctx.nowMs);
  const de = ctx.db.get(dst, ctx.nowMs);
  if (se === undefined) return 0;
  const wrong = checkType(ctx, src, 'set') ?? checkType(ctx, dst, 'set');
  if (wrong !== null) return wrong;
  const ss = se.v as SetValue;
  if (src === dst) return ss.has(m) ? 1 : 0;
  if (!ss.delete(m)) return 0;
  commit(ctx, src, se, ss);
  const limits = encodingLimits(ctx.db);
  const ds = de === undefined ? SetValue.create(m, 1, limits) : (de.v as SetValue);
  ds.add(m, limits);
  commit(ctx, dst, de ?? null, ds);
  return 1;
}

function spop(ctx: ExecContext, args: string[]): Reply {
  if (args.length > 3) return ERR_SYNTAX;
  const key = args[1] as string;
  if (args.length === 2) {
    const e = lookup(ctx, key, 'set', true);
    if (e === null || e instanceof ErrorReply) return e;
    const s = e.v as SetValue;
    const m = s.pop(ctx.random);
    commit(ctx, key, e, s);
    return m;
  }
  const n = parseLong(args[2] as string);
  if (n === null || n < 0) return err('ERR value is out of range, must be positive');
  const e = lookup(ctx, key, 'set', true);
  if (e === null || e instanceof ErrorReply) return e ?? new SetReply([]);
  if (n === 0) return new SetReply([]);
  const s = e.v as SetValue;
  if (n >= s.size()) {
    // All of it: the members, and the key goes.
    const all = s.members();
    ctx.db.delete(key);
    return new SetReply(all);
  }
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(s.pop(ctx.random));
  commit(ctx, key, e, s);
  return new SetReply(out);
}

function srandmember(ctx: ExecContext, args: string[]): Reply {
  if (args.length > 3) return ERR_SYNTAX;
  if (args.length === 2) {
    const s = readSet(ctx, args[1] as string);
    return s === null || s instanceof ErrorReply ? s : s.random(ctx.random);
  }
  const count = parseRandomCount(args[2] as string, false);
  if (count instanceof ErrorReply) return count;
  const s = readSet(ctx, args[1] as string);
  if (s === null || s instanceof ErrorReply) return s ?? [];
  const size = s.size();
  const out: string[] = [];
  if (count < 0 || count === 1) {
    for (let i = Math.abs(count); i > 0; i--) out.push(s.random(ctx.random));
  } else if (count >= size) {
    out.push(...s.members());
  } else if (count * 3 > size || s.encoding() !== 'hashtable') {
    const all = s.members();
    for (const i of randomIndexes(size, count, ctx.random)) out.push(all[i] as string);
  } else {
    const seen = new Set<string>();
    while (out.length < count) {
      const m = s.random(ctx.random);
      if (!seen.has(m)) {
        seen.add(m);
        out.push(m);
      }
    }
  }
  return out;
}

/** The sets at keys (null for a missing key), or WRONGTYPE if any key holds another type. */
function readSets(ctx: ExecContext, keys: string[], write: boolean): (SetValue | null)[] | ErrorReply {
  const out: (SetValue | null)[] = [];
  for (const k of keys) {
    const s = readSet(ctx, k, write);
    if (s instanceof ErrorReply) return s;
    out.push(s);
  }
  return out;
}

/** The members of the intersection, in the order of the smallest set, up to limit (0 = all). */
function intersect(sets: (SetValue | null)[], limit: number): string[] {
  if (sets.some((s) => s === null)) return [];
  const sorted = (sets as SetValue[]).slice().sort((a, b) => a.size() - b.size());
  const [first, ...rest] = sorted as [SetValue, ...SetValue[]];
  const out: string[] = [];
  for (const m of first.members()) {
    if (rest.every((s) => s === first || s.has(m))) {
      out.push(m);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

/** SUNION or SDIFF as a new set built the way Redis builds it (from an intset). */
function unionOrDiff(ctx: ExecContext, sets: (SetValue | null)[], op: 'union' | 'diff'): SetValue {
  const limits = encodingLimits(ctx.db);
  const result = SetValue.empty();
  if (op === 'union') {
    for (const s of sets) if (s !== null) for (const m of s.members()) result.add(m, limits);
    return result;
  }
  const [first, ...rest] = sets;
  if (first === null || first === undefined) return result;
  for (const m of first.members()) {
    if (!rest.some((s) => s !== null && (s === first || s.has(m)))) result.add(m, limits);
  }
  return result;
}

function algebra(op: 'inter' | 'union' | 'diff', storing: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const keys = args.slice(storing ? 2 : 1);
    const sets = readSets(ctx, keys, storing);
    if (sets instanceof ErrorReply) return sets;
    let result: SetValue;
    if (op === 'inter') {
      const members = intersect(sets, 0);
      if (!storing) return new SetReply(members);
      result = SetValue.empty();
      const limits = encodingLimits(ctx.db);
      for (const m of members) result.add(m, limits);
    } else {
      result = unionOrDiff(ctx, sets, op);
      if (!storing) return new SetReply(result.members());
    }
    store(ctx, args[1] as string, result);
    return result.size();
  };
}

function sintercard(ctx: ExecContext, args: string[]): Reply {
  const n = parseLong(args[1] as string);
  if (n === null || n <= 0) return err('ERR numkeys should be greater than 0');
  if (n > args.length - 2) return err('ERR Number of keys can\'t be greater than number of args');
  let limit = 0;
  for (let i = 2 + n; i < args.length; i++) {
    if ((args[i] as string).toLowerCase() === 'limit' && i + 1 < args.length) {
      const l = parseLong(args[++i] as string);
      if (l === null || l < 0) return err('ERR LIMIT can\'t be negative');
      limit = l;
    } else return ERR_SYNTAX;
  }
  const sets = readSets(ctx, args.slice(2, 2 + n), false);
  if (sets instanceof ErrorReply) return sets;
  return intersect(sets, limit).length;
}

function smismember(ctx: ExecContext, args: string[]): Reply {
  const s = readSet(ctx, args[1] as string);
  if (s instanceof ErrorReply) return s;
  const out: number[] = [];
  for (let i = 2; i < args.length; i++) out.push(s !== null && s.has(args[i] as string) ? 1 : 0);
  return out;
}

function sscan(ctx: ExecContext, args: string[]): Reply {
  const cursor = scanCursor(args[2] as string);
  if (cursor instanceof ErrorReply) return cursor;
  const s = readSet(ctx, args[1] as string);
  if (s === null) return emptyScan();
  if (s instanceof ErrorReply) return s;
  return scanCollection(args, cursor, (c, n, visit) => s.scan(c, n, (m) => visit(m, null)));
}

const W = F.WRITE | F.DENYOOM;
const R = F.READONLY;
const KEY1: [number, number, number] = [1, 1, 1];
const ALL: [number, number, number] = [1, -1, 1];
const g = 'set';

export const setCommands: CommandSpec[] = [
  cmd({ name: 'sadd', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Adds one or more members to a set. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added', handler: sadd }),
  cmd({ name: 'srem', arity: -3, flags: F.WRITE | F.FAST, keys: KEY1, group: g, summary: 'Removes one or more members from a set. Deletes the set if the last member was removed.',
    complexity: 'O(N) where N is the number of members to be removed.', handler: srem }),
  cmd({ name: 'smembers', arity: 2, flags: R, keys: KEY1, group: g, summary: 'Returns all members of a set.',
    complexity: 'O(N) where N is the set cardinality.', handler: (ctx, a) => {
      const s = readSet(ctx, a[1] as string);
      return s instanceof ErrorReply ? s : new SetReply(s === null ? [] : s.members());
    } }),
  cmd({ name: 'sismember', arity: 3, flags: R | F.FAST, keys: KEY1, group: g, summary: 'Determines whether a member belongs to a set.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const s = readSet(ctx, a[1] as string);
      return s === null || s instanceof ErrorReply ? (s ?? 0) : (s.has(a[2] as string) ? 1 : 0);
    } }),
  cmd({ name: 'smismember', arity: -3, flags: R | F.FAST, keys: KEY1, group: g, since: '6.2.0', summary: 'Determines whether multiple members belong to a set.',
    complexity: 'O(N) where N is the number of elements being checked for membership', handler: smismember }),
  cmd({ name: 'scard', arity: 2, flags: R | F.FAST, keys: KEY1, group: g, summary: 'Returns the number of members in a set.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const s = readSet(ctx, a[1] as string);
      return s === null || s instanceof ErrorReply ? (s ?? 0) : s.size();
    } }),
  cmd({ name: 'spop', arity: -2, flags: F.WRITE | F.FAST | F.RANDOM, keys: KEY1, group: g, summary: 'Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.', handler: spop }),
  cmd({ name: 'srandmember', arity: -2, flags: R | F.RANDOM, keys: KEY1, group: g, summary: 'Get one or multiple random members from a set',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.', handler: srandmember }),
  cmd({ name: 'smove', arity: 4, flags: F.WRITE | F.FAST, keys: [1, 2, 1], group: g, summary: 'Moves a member from one set to another.',
    complexity: 'O(1)', handler: smove }),
  cmd({ name: 'sinter', arity: -2, flags: R, keys: ALL, group: g, summary: 'Returns the intersect of multiple sets.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: algebra('inter', false) }),
  cmd({ name: 'sintercard', arity: -3, flags: R, keyFn: numKeysPositions(1), group: g, since: '7.0.0', summary: 'Returns the number of members of the intersect of multiple sets.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: sintercard }),
  cmd({ name: 'sunion', arity: -2, flags: R, keys: ALL, group: g, summary: 'Returns the union of multiple sets.',
    complexity: 'O(N) where N is the total number of elements in all given sets.', handler: algebra('union', false) }),
  cmd({ name: 'sdiff', arity: -2, flags: R, keys: ALL, group: g, summary: 'Returns the difference of multiple sets.',
    complexity: 'O(N) where N is the total number of elements in all given sets.', handler: algebra('diff', false) }),
  cmd({ name: 'sinterstore', arity: -3, flags: W, keys: ALL, group: g, summary: 'Stores the intersect of multiple sets in a key.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.', handler: algebra('inter', true) }),
  cmd({ name: 'sunionstore', arity: -3, flags: W, keys: ALL, group: g, summary: 'Stores the union of multiple sets in a key.',
    complexity: 'O(N) where N is the total number of elements in all given sets.', handler: algebra('union', true) }),
  cmd({ name: 'sdiffstore', arity: -3, flags: W, keys: ALL, group: g, summary: 'Stores the difference of multiple sets in a key.',
    complexity: 'O(N) where N is the total number of elements in all given sets.', handler: algebra('diff', true) }),
  cmd({ name: 'sscan', arity: -3, flags: R | F.RANDOM, keys: KEY1, group: g, since: '2.8.0', summary: 'Iterates over members of a set.',
    complexity: 'O(1) for every call. O(N) for a complete iteration.', handler: sscan }),
];
