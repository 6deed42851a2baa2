// Hash commands (Redis's t_hash.c): fields and values under one key, counters inside a hash,
// random fields and HSCAN. The value type and its encodings live in store/hash.ts.

import {
  err, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, ErrorReply, MapReply, OK, wrongArity, type Reply,
} from '../protocol/reply.ts';
import { HashValue } from '../store/hash.ts';
import type { Entry } from '../store/keyspace.ts';
import { encodingLimits } from '../store/limits.ts';
import { isInt64, parseBigInt } from './args.ts';
import {
  commit, emptyScan, lookup, parseRandomCount, randomIndexes, scanCollection, scanCursor,
} from './collections.ts';
import { addLongDouble, formatLongDouble, longDoubleFromInteger, parseLongDouble } from './longdouble.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';

/** The hash at key for reading: the value, null when absent, or WRONGTYPE. */
function readHash(ctx: ExecContext, key: string): HashValue | null | ErrorReply {
  const e = lookup(ctx, key, 'hash', false);
  return e === null || e instanceof ErrorReply ? e : (e.v as HashValue);
}

/** The hash at key for writing: [entry or null, value (new when absent)] or WRONGTYPE. */
function writeHash(ctx: ExecContext, key: string): [Entry | null, HashValue] | ErrorReply {
  const e = lookup(ctx, key, 'hash', true);
  if (e instanceof ErrorReply) return e;
  return e === null ? [null, new HashValue()] : [e, e.v as HashValue];
}

function hset(mode: 'hset' | 'hmset') {
  return (ctx: ExecContext, args: string[]): Reply => {
    if (args.length % 2 !== 0) return wrongArity(mode);
    const key = args[1] as string;
    const w = writeHash(ctx, key);
    if (w instanceof ErrorReply) return w;
    const [e, h] = w;
    const limits = encodingLimits(ctx.db);
    let created = 0;
    for (let i = 2; i < args.length; i += 2) if (h.set(args[i] as string, args[i + 1] as string, limits)) created++;
    commit(ctx, key, e, h);
    return mode === 'hset' ? created : OK;
  };
}

function hsetnx(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const w = writeHash(ctx, key);
  if (w instanceof ErrorReply) return w;
  const [e, h] = w;
  if (h.has(args[2] as string)) return 0;
  h.set(args[2] as string, args[3] as string, encodingLimits(ctx.db));
  commit(ctx, key, e, h);
  return 1;
}

function hdel(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const e = lookup(ctx, key, 'hash', true);
  if (e === null || e instanceof ErrorReply) return e ?? 0;
  const h = e.v as HashValue;
  let n = 0;
  for (let i = 2; i < args.length; i++) if (h.delete(args[i] as string)) n++;
  if (n > 0) commit(ctx, key, e, h);
  return n;
}

function hincrby(ctx: ExecContext, args: string[]): Reply {
  const incr = parseBigInt(args[3] as string);
  if (incr === null) return ERR_NOT_INTEGER;
  const key = args[1] as string;
  const w = writeHash(ctx, key);
  if (w instanceof ErrorReply) return w;
  const [e, h] = w;
  const field = args[2] as string;
  const cur = h.get(field);
  let base = 0n;
  if (cur !== undefined) {
    const parsed = parseBigInt(cur);
    if (parsed === null) return err('ERR hash value is not an integer');
    base = parsed;
  }
  const next = base + incr;
  if (!isInt64(next)) return ERR_OVERFLOW;
  h.set(field, next.toString(), encodingLimits(ctx.db));
  commit(ctx, key, e, h);
  return next;
}

function hincrbyfloat(ctx: ExecContext, args: string[]): Reply {
  const incr = parseLongDouble(args[3] as string);
  if (incr === null) return ERR_NOT_FLOAT;
  if (incr.kind === 'inf') return err('ERR value is NaN or Infinity');
  const key = args[1] as string;
  const w = writeHash(ctx, key);
  if (w instanceof ErrorReply) return w;
  const [e, h] = w;
  const field = args[2] as string;
  const cur = h.get(field);
  const base = cur === undefined ? longDoubleFromInteger(0n) : parseLongDouble(cur);
  if (base === null) return err('ERR hash value is not a float');
  const next = addLongDouble(base, incr);
  if (next === null || next.kind === 'inf') return err('ERR increment would produce NaN or Infinity');
  const s = formatLongDouble(next);
  h.set(field, s, encodingLimits(ctx.db));
  commit(ctx, key, e, h);
  return s;
}

function hmget(ctx: ExecContext, args: string[]): Reply {
  const h = readHash(ctx, args[1] as string);
  if (h instanceof ErrorReply) return h;
  const out: Reply[] = [];
  for (let i = 2; i < args.length; i++) out.push(h?.get(args[i] as string) ?? null);
  return out;
}

function hgetall(ctx: ExecContext, args: string[]): Reply {
  const h = readHash(ctx, args[1] as string);
  if (h instanceof ErrorReply) return h;
  return new MapReply(h === null ? [] : h.flat());
}

function hkeysOrVals(which: 0 | 1) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const h = readHash(ctx, args[1] as string);
    if (h === null || h instanceof ErrorReply) return h ?? [];
    const flat = h.flat();
    const out: string[] = [];
    for (let i = which; i < flat.length; i += 2) out.push(flat[i] as string);
    return out;
  };
}

function hrandfield(ctx: ExecContext, args: string[]): Reply {
  if (args.length === 2) {
    const h = readHash(ctx, args[1] as string);
    if (h === null || h instanceof ErrorReply) return h;
    return h.random(ctx.random)[0];
  }
  const withValues = args.length === 4;
  if (args.length > 4 || (withValues && (args[3] as string).toLowerCase() !== 'withvalues')) {
    // Redis checks the count first, then the rest.
    const c = parseRandomCount(args[2] as string, false);
    return c instanceof ErrorReply ? c : ERR_SYNTAX;
  }
  const count = parseRandomCount(args[2] as string, withValues);
  if (count instanceof ErrorReply) return count;
  const h = readHash(ctx, args[1] as string);
  if (h === null || h instanceof ErrorReply) return h ?? [];
  return randomFields(ctx, h, count, withValues);
}

/** HRANDFIELD with a count: distinct fields when count > 0, repeats allowed when < 0. */
function randomFields(ctx: ExecContext, h: HashValue, count: number, withValues: boolean): Reply {
  const pairs: [string, string][] = [];
  const size = h.size();
  if (count < 0 || count === 1) {
    const n = Math.abs(count);
    if (h.encoding() === 'listpack') {
      const flat = h.flat();
      for (let i = 0; i < n; i++) {
        const j = ctx.random.int(size) * 2;
        pairs.push([flat[j] as string, flat[j + 1] as string]);
      }
    } else for (let i = 0; i < n; i++) pairs.push(h.random(ctx.random));
  } else if (count >= size || count * 3 > size || h.encoding() === 'listpack') {
    // Most of the hash: shuffle it and take the first count.
    const flat = h.flat();
    const picked = count >= size ? Array.from({ length: size }, (_, i) => i) : randomIndexes(size, count, ctx.random);
    for (const i of picked) pairs.push([flat[2 * i] as string, flat[2 * i + 1] as string]);
  } else {
    const seen = new Set<string>();
    while (pairs.length < count) {
      const p = h.random(ctx.random);
      if (seen.has(p[0])) continue;
      seen.add(p[0]);
      pairs.push(p);
    }
  }
  return fieldPairsReply(ctx, pairs, withValues);
}

/** Fields, or fields with values: flat in RESP2, [field, value] pairs in RESP3. */
function fieldPairsReply(ctx: ExecContext, pairs: [string, string][], withValues: boolean): Reply {
  if (!withValues) return pairs.map((p) => p[0]);
  if (ctx.client.proto === 3) return pairs;
  return pairs.flat();
}

function hscan(ctx: ExecContext, args: string[]): Reply {
  const cursor = scanCursor(args[2] as string);
  if (cursor instanceof ErrorReply) return cursor;
  const h = readHash(ctx, args[1] as string);
  if (h === null) return emptyScan();
  if (h instanceof ErrorReply) return h;
  return scanCollection(args, cursor, (c, n, visit) => h.scan(c, n, visit));
}

const W = F.WRITE | F.DENYOOM;
const R = F.READONLY;
const KEY1: [number, number, number] = [1, 1, 1];
const g = 'hash';

export const hashCommands: CommandSpec[] = [
  cmd({ name: 'hset', arity: -4, flags: W | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Creates or modifies the value of a field in a hash.',
    complexity: 'O(1) for each field/value pair added', handler: hset('hset') }),
  cmd({ name: 'hmset', arity: -4, flags: W | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Sets the values of multiple fields.',
    complexity: 'O(N) where N is the number of fields being set.', handler: hset('hmset') }),
  cmd({ name: 'hsetnx', arity: 4, flags: W | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Sets the value of a field in a hash only when the field doesn\'t exist.',
    complexity: 'O(1)', handler: hsetnx }),
  cmd({ name: 'hget', arity: 3, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the value of a field in a hash.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const h = readHash(ctx, a[1] as string);
      return h === null || h instanceof ErrorReply ? h : (h.get(a[2] as string) ?? null);
    } }),
  cmd({ name: 'hmget', arity: -3, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the values of all fields in a hash.',
    complexity: 'O(N) where N is the number of fields being requested.', handler: hmget }),
  cmd({ name: 'hgetall', arity: 2, flags: R, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns all fields and values in a hash.',
    complexity: 'O(N) where N is the size of the hash.', handler: hgetall }),
  cmd({ name: 'hdel', arity: -3, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.',
    complexity: 'O(N) where N is the number of fields to be removed.', handler: hdel }),
  cmd({ name: 'hexists', arity: 3, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Determines whether a field exists in a hash.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const h = readHash(ctx, a[1] as string);
      return h === null || h instanceof ErrorReply ? (h ?? 0) : (h.has(a[2] as string) ? 1 : 0);
    } }),
  cmd({ name: 'hlen', arity: 2, flags: R | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns the number of fields in a hash.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const h = readHash(ctx, a[1] as string);
      return h === null || h instanceof ErrorReply ? (h ?? 0) : h.size();
    } }),
  cmd({ name: 'hstrlen', arity: 3, flags: R | F.FAST, keys: KEY1, group: g, since: '3.2.0', summary: 'Returns the length of the value of a field.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const h = readHash(ctx, a[1] as string);
      return h === null || h instanceof ErrorReply ? (h ?? 0) : h.valueLength(a[2] as string);
    } }),
  cmd({ name: 'hkeys', arity: 2, flags: R, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns all fields in a hash.',
    complexity: 'O(N) where N is the size of the hash.', handler: hkeysOrVals(0) }),
  cmd({ name: 'hvals', arity: 2, flags: R, keys: KEY1, group: g, since: '2.0.0', summary: 'Returns all values in a hash.',
    complexity: 'O(N) where N is the size of the hash.', handler: hkeysOrVals(1) }),
  cmd({ name: 'hincrby', arity: 4, flags: W | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn\'t exist.',
    complexity: 'O(1)', handler: hincrby }),
  cmd({ name: 'hincrbyfloat', arity: 4, flags: W | F.FAST, keys: KEY1, group: g, since: '2.6.0', summary: 'Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn\'t exist.',
    complexity: 'O(1)', handler: hincrbyfloat }),
  cmd({ name: 'hrandfield', arity: -2, flags: R | F.RANDOM, keys: KEY1, group: g, since: '6.2.0', summary: 'Returns one or more random fields from a hash.',
    complexity: 'O(N) where N is the number of fields returned', handler: hrandfield }),
  cmd({ name: 'hscan', arity: -3, flags: R | F.RANDOM, keys: KEY1, group: g, since: '2.8.0', summary: 'Iterates over fields and values of a hash.',
    complexity: 'O(1) for every call. O(N) for a complete iteration.', handler: hscan }),
];
