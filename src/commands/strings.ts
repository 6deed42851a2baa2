// String commands (Redis's t_string.c): GET/SET and their variants, counters, ranges.

import { STRING_LENGTH_MAX_BYTES } from '../constants.ts';
import {
  err, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_STRING_TOO_LONG, ERR_SYNTAX, ERR_WRONGTYPE, ErrorReply,
  OK, wrongArity, type Reply,
} from '../protocol/reply.ts';
import { isInt64, parseBigInt, parseLong } from './args.ts';
import { addLongDouble, formatLongDouble, longDoubleFromInteger, parseLongDouble } from './longdouble.ts';
import { expireAtMs, type TtlUnit } from './ttl.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';

/** The string at key, null when absent, or WRONGTYPE. Counts a keyspace hit or miss. */
export function getString(ctx: ExecContext, key: string): string | null | ErrorReply {
  const e = ctx.db.getCounted(key, ctx.nowMs);
  if (e === undefined) return null;
  return typeof e.v === 'string' ? e.v : ERR_WRONGTYPE;
}

function stringLimit(ctx: ExecContext): number {
  return Math.min(STRING_LENGTH_MAX_BYTES, ctx.server.protoMaxBulkLen());
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  expireAt: number | undefined;
}

const NO_SET_OPTIONS: Readonly<SetOptions> = { nx: false, xx: false, get: false, keepTtl: false, expireAt: undefined };

function parseSetOptions(ctx: ExecContext, args: string[]): Readonly<SetOptions> | ErrorReply {
  if (args.length === 3) return NO_SET_OPTIONS;
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAt: undefined };
  let unit: TtlUnit | null = null;
  let ttl = '';
  // Syntax first, then the expire value, so a syntax error wins as it does in Redis.
  for (let i = 3; i < args.length; i++) {
    const a = (args[i] as string).toUpperCase();
    if (a === 'NX' && !o.xx) o.nx = true;
    else if (a === 'XX' && !o.nx) o.xx = true;
    else if (a === 'GET') o.get = true;
    else if (a === 'KEEPTTL' && unit === null) o.keepTtl = true;
    else if ((a === 'EX' || a === 'PX' || a === 'EXAT' || a === 'PXAT') && unit === null && !o.keepTtl && i + 1 < args.length) {
      unit = a;
      ttl = args[++i] as string;
    } else return ERR_SYNTAX;
  }
  if (unit !== null) {
    const at = expireAtMs(unit, ttl, ctx.nowMs, 'set');
    if (at instanceof ErrorReply) return at;
    o.expireAt = at;
  }
  return o;
}

function set(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const value = args[2] as string;
  const o = parseSetOptions(ctx, args);
  if (o instanceof ErrorReply) return o;
  let old: string | null = null;
  if (o.get) {
    const cur = getString(ctx, key);
    if (cur instanceof ErrorReply) return cur;
    old = cur;
  }
  if (o.nx || o.xx) {
    const exists = o.get ? old !== null : ctx.db.has(key, ctx.nowMs);
    if ((o.nx && exists) || (o.xx && !exists)) return o.get ? old : null;
  }
  storeWithExpiry(ctx, key, value, o.keepTtl, o.expireAt);
  return o.get ? old : OK;
}

/** Stores a string; an expire-at already in the past leaves the key deleted, as Redis does. */
function storeWithExpiry(ctx: ExecContext, key: string, value: string, keepTtl: boolean, expireAt?: number): void {
  if (expireAt !== undefined && expireAt <= ctx.nowMs) {
    ctx.db.delete(key);
    return;
  }
  ctx.db.set(key, value, ctx.nowMs, keepTtl, expireAt);
}

function setex(unit: 'EX' | 'PX', name: string) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const at = expireAtMs(unit, args[2] as string, ctx.nowMs, name);
    if (at instanceof ErrorReply) return at;
    storeWithExpiry(ctx, args[1] as string, args[3] as string, false, at);
    return OK;
  };
}

function getex(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  let expireAt: number | undefined;
  let persist = false;
  for (let i = 2; i < args.length; i++) {
    const a = (args[i] as string).toUpperCase();
    const isUnit = a === 'EX' || a === 'PX' || a === 'EXAT' || a === 'PXAT';
    if (isUnit && expireAt === undefined && !persist && i + 1 < args.length) {
      const at = expireAtMs(a, args[++i] as string, ctx.nowMs, 'getex');
      if (at instanceof ErrorReply) return at;
      expireAt = at;
    } else if (a === 'PERSIST' && expireAt === undefined && !persist) persist = true;
    else return ERR_SYNTAX;
  }
  const v = getString(ctx, key);
  if (v === null || v instanceof ErrorReply) return v;
  const e = ctx.db.raw(key);
  if (e === undefined) return v;
  if (expireAt !== undefined) {
    if (expireAt <= ctx.nowMs) ctx.db.delete(key);
    else ctx.db.setExpire(key, e, expireAt);
  } else if (persist) ctx.db.persist(key, e);
  return v;
}

function mset(nx: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    if (args.length % 2 !== 1) return wrongArity(args[0] as string);
    if (nx) {
      for (let i = 1; i < args.length; i += 2) if (ctx.db.has(args[i] as string, ctx.nowMs)) return 0;
    }
    for (let i = 1; i < args.length; i += 2) ctx.db.set(args[i] as string, args[i + 1] as string, ctx.nowMs);
    return nx ? 1 : OK;
  };
}

function append(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const cur = getString(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  const next = (cur ?? '') + (args[2] as string);
  if (next.length > stringLimit(ctx)) return ERR_STRING_TOO_LONG;
  ctx.db.set(key, next, ctx.nowMs, true);
  return next.length;
}

/** Redis's range clamp for GETRANGE: negative indexes from the end, empty when inverted. */
function getrange(ctx: ExecContext, args: string[]): Reply {
  const start0 = parseLong(args[2] as string);
  const end0 = parseLong(args[3] as string);
  if (start0 === null || end0 === null) return ERR_NOT_INTEGER;
  const v = getString(ctx, args[1] as string);
  if (v instanceof ErrorReply) return v;
  if (v === null) return '';
  const len = v.length;
  if (start0 < 0 && end0 < 0 && start0 > end0) return '';
  let start = start0 < 0 ? len + start0 : start0;
  let end = end0 < 0 ? len + end0 : end0;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len === 0 || start > end) return '';
  return v.slice(start, end + 1);
}

function setrange(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const offset = parseLong(args[2] as string);
  if (offset === null) return ERR_NOT_INTEGER;
  if (offset < 0) return err('ERR offset is out of range');
  const value = args[3] as string;
  const cur = getString(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  const base = cur ?? '';
  if (value.length === 0) return base.length;
  if (offset + value.length > stringLimit(ctx)) return ERR_STRING_TOO_LONG;
  const padded = base.length < offset ? base + '\0'.repeat(offset - base.length) : base;
  const next = padded.slice(0, offset) + value + padded.slice(offset + value.length);
  ctx.db.set(key, next, ctx.nowMs, true);
  return next.length;
}

function incrBy(ctx: ExecContext, key: string, delta: bigint): Reply {
  const cur = getString(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  let n = 0n;
  if (cur !== null) {
    const parsed = parseBigInt(cur);
    if (parsed === null) return ERR_NOT_INTEGER;
    n = parsed;
  }
  const next = n + delta;
  if (!isInt64(next)) return ERR_OVERFLOW;
  ctx.db.set(key, next.toString(), ctx.nowMs, true);
  return next;
}

function incrByArg(sign: 1n | -1n) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const d = parseBigInt(args[2] as string);
    if (d === null) return ERR_NOT_INTEGER;
    if (sign === -1n && d === -9223372036854775808n) return err('ERR decrement would overflow');
    return incrBy(ctx, args[1] as string, d * sign);
  };
}

function incrbyfloat(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  // Redis checks the type, then the stored value, then the increment.
  const cur = getString(ctx, key);
  if (cur instanceof ErrorReply) return cur;
  const base = cur === null ? longDoubleFromInteger(0n) : parseLongDouble(cur);
  if (base === null) return ERR_NOT_FLOAT;
  const incr = parseLongDouble(args[2] as string);
  if (incr === null) return ERR_NOT_FLOAT;
  const next = addLongDouble(base, incr);
  if (next === null || next.kind === 'inf') return err('ERR increment would produce NaN or Infinity');
  const s = formatLongDouble(next);
  ctx.db.set(key, s, ctx.nowMs, true);
  return s;
}

const W = F.WRITE | F.DENYOOM;
const KEY1: [number, number, number] = [1, 1, 1];
const g = 'string';

export const stringCommands: CommandSpec[] = [
  cmd({ name: 'get', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, summary: 'Returns the string value of a key.',
    handler: (ctx, a) => getString(ctx, a[1] as string) }),
  cmd({ name: 'set', arity: -3, flags: W, keys: KEY1, group: g, summary: 'Sets the string value of a key, ignoring its type. The key is created if it does not exist.',
    handler: set }),
  cmd({ name: 'setnx', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Set the string value of a key only when the key does not exist.',
    handler: (ctx, a) => {
      if (ctx.db.has(a[1] as string, ctx.nowMs)) return 0;
      ctx.db.set(a[1] as string, a[2] as string, ctx.nowMs);
      return 1;
    } }),
  cmd({ name: 'setex', arity: 4, flags: W, keys: KEY1, group: g, since: '2.0.0', summary: 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.',
    handler: setex('EX', 'setex') }),
  cmd({ name: 'psetex', arity: 4, flags: W, keys: KEY1, group: g, since: '2.6.0', summary: 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.',
    handler: setex('PX', 'psetex') }),
  cmd({ name: 'getset', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Returns the previous string value of a key after setting it to a new value.',
    handler: (ctx, a) => {
      const old = getString(ctx, a[1] as string);
      if (old instanceof ErrorReply) return old;
      ctx.db.set(a[1] as string, a[2] as string, ctx.nowMs);
      return old;
    } }),
  cmd({ name: 'getdel', arity: 2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '6.2.0', summary: 'Returns the string value of a key after deleting the key.',
    handler: (ctx, a) => {
      const v = getString(ctx, a[1] as string);
      if (typeof v === 'string') ctx.db.delete(a[1] as string);
      return v;
    } }),
  cmd({ name: 'getex', arity: -2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, since: '6.2.0', summary: 'Returns the string value of a key after setting its expiration time.',
    handler: getex }),
  cmd({ name: 'mget', arity: -2, flags: F.READONLY | F.FAST, keys: [1, -1, 1], group: g, summary: 'Atomically returns the string values of one or more keys.',
    handler: (ctx, a) => {
      const out: Reply[] = [];
      for (let i = 1; i < a.length; i++) {
        const v = getString(ctx, a[i] as string);
        out.push(v instanceof ErrorReply ? null : v);
      }
      return out;
    } }),
  cmd({ name: 'mset', arity: -3, flags: W, keys: [1, -1, 2], group: g, since: '1.0.1', summary: 'Atomically creates or modifies the string values of one or more keys.',
    handler: mset(false) }),
  cmd({ name: 'msetnx', arity: -3, flags: W, keys: [1, -1, 2], group: g, since: '1.0.1', summary: 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.',
    handler: mset(true) }),
  cmd({ name: 'append', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.0.0', summary: 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.',
    handler: append }),
  cmd({ name: 'strlen', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, since: '2.2.0', summary: 'Returns the length of a string value.',
    handler: (ctx, a) => {
      const v = getString(ctx, a[1] as string);
      return v instanceof ErrorReply ? v : (v?.length ?? 0);
    } }),
  cmd({ name: 'getrange', arity: 4, flags: F.READONLY, keys: KEY1, group: g, since: '2.4.0', summary: 'Returns a substring of the string stored at a key.',
    handler: getrange }),
  cmd({ name: 'setrange', arity: 4, flags: W, keys: KEY1, group: g, since: '2.2.0', summary: 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.',
    handler: setrange }),
  cmd({ name: 'incr', arity: 2, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    handler: (ctx, a) => incrBy(ctx, a[1] as string, 1n) }),
  cmd({ name: 'decr', arity: 2, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    handler: (ctx, a) => incrBy(ctx, a[1] as string, -1n) }),
  cmd({ name: 'incrby', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.',
    handler: incrByArg(1n) }),
  cmd({ name: 'decrby', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.',
    handler: incrByArg(-1n) }),
  cmd({ name: 'incrbyfloat', arity: 3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.6.0', summary: 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.',
    handler: incrbyfloat }),
];

