// Generic key commands (Redis's db.c and expire.c): existence, type, rename, copy, scan and
// TTLs. They work on every value type.

import { SCAN_COUNT_DEFAULT, SCAN_WORK_MAX_FACTOR } from '../constants.ts';
import {
  err, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, ErrorReply, OK, SimpleString, type Reply,
} from '../protocol/reply.ts';
import type { Keyspace } from '../store/keyspace.ts';
import { typeOf, type Value } from '../store/types.ts';
import { globMatch } from '../util/glob.ts';
import { parseInteger } from './args.ts';
import { expireAtMs, type TtlUnit } from './ttl.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';

const TYPE_NAMES = new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']);
const UNKNOWN_TYPE = '?'; // a SCAN TYPE filter no value has
const TYPE_REPLIES: Record<string, SimpleString> = Object.fromEntries(
  ['none', 'string', 'list', 'set', 'zset', 'hash'].map((t) => [t, new SimpleString(t)]),
);

function del(ctx: ExecContext, args: string[]): Reply {
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    const key = args[i] as string;
    if (ctx.db.has(key, ctx.nowMs) && ctx.db.delete(key)) n++;
  }
  return n;
}

function exists(ctx: ExecContext, args: string[]): Reply {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.has(args[i] as string, ctx.nowMs)) n++;
  return n;
}

function copyValue(v: Value): Value {
  return typeof v === 'string' ? v : v.clone();
}

function rename(nx: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const src = args[1] as string;
    const dst = args[2] as string;
    const e = ctx.db.get(src, ctx.nowMs);
    if (e === undefined) return ERR_NO_SUCH_KEY;
    if (src === dst) return nx ? 0 : OK;
    if (nx && ctx.db.has(dst, ctx.nowMs)) return 0;
    const expireAt = ctx.db.getExpire(src);
    const v = e.v;
    ctx.db.delete(src);
    ctx.db.set(dst, v, ctx.nowMs, false, expireAt);
    return nx ? 1 : OK;
  };
}

function copy(ctx: ExecContext, args: string[]): Reply {
  const src = args[1] as string;
  const dst = args[2] as string;
  let replace = false;
  for (let i = 3; i < args.length; i++) {
    const a = (args[i] as string).toUpperCase();
    if (a === 'REPLACE') replace = true;
    else if (a === 'DB' && i + 1 < args.length) {
      const db = parseInteger(args[++i] as string);
      if (db === null) return ERR_NOT_INTEGER;
      if (db !== 0) return err('ERR DB index is out of range');
    } else return ERR_SYNTAX;
  }
  if (src === dst) return err('ERR source and destination objects are the same');
  const e = ctx.db.get(src, ctx.nowMs);
  if (e === undefined) return 0;
  if (!replace && ctx.db.has(dst, ctx.nowMs)) return 0;
  ctx.db.set(dst, copyValue(e.v), ctx.nowMs, false, ctx.db.getExpire(src));
  return 1;
}

function keysCmd(ctx: ExecContext, args: string[]): Reply {
  const pattern = args[1] as string;
  const all = pattern === '*';
  const out: string[] = [];
  for (const k of ctx.db.keys()) {
    if (ctx.db.isExpired(k, ctx.nowMs)) continue;
    if (all || globMatch(pattern, k)) out.push(k);
  }
  return out;
}

export interface ScanOptions {
  match: string | null;
  count: number;
  type: string | null;
}

/** Parses [MATCH p] [COUNT n] [TYPE t] from args[from]; `allowType` only for SCAN. */
export function parseScanOptions(args: string[], from: number, allowType: boolean): ScanOptions | ErrorReply {
  const o: ScanOptions = { match: null, count: SCAN_COUNT_DEFAULT, type: null };
  for (let i = from; i < args.length; i++) {
    const a = (args[i] as string).toUpperCase();
    if (i + 1 >= args.length) return ERR_SYNTAX;
    const v = args[++i] as string;
    if (a === 'MATCH') o.match = v === '*' ? null : v;
    else if (a === 'COUNT') {
      const n = parseInteger(v);
      if (n === null) return ERR_NOT_INTEGER;
      if (n < 1) return ERR_SYNTAX;
      o.count = n;
    } else if (a === 'TYPE' && allowType) {
      // An unknown type matches nothing (Redis 7.0 and 7.2.1+ answer an empty scan, not an error).
      const t = v.toLowerCase();
      o.type = TYPE_NAMES.has(t) ? t : UNKNOWN_TYPE;
    } else return ERR_SYNTAX;
  }
  return o;
}

/** Parses a SCAN cursor: an unsigned 64-bit decimal. */
export function parseCursor(s: string): number | null {
  if (!/^[0-9]{1,20}$/.test(s)) return null;
  // Past 2^53 the cursor loses precision, but no real cursor is that large: Floe's are
  // sequence numbers, and a client only sends back what it was given.
  return BigInt(s) > 18446744073709551615n ? null : Number(s);
}

/** A SCAN cursor as the full unsigned 64-bit value (keyspace cursors use all 64 bits). */
function parseCursor64(s: string): bigint | null {
  if (!/^[0-9]{1,20}$/.test(s)) return null;
  const n = BigInt(s);
  return n > 18446744073709551615n ? null : n;
}

function scan(ctx: ExecContext, args: string[]): Reply {
  const cursor = parseCursor64(args[1] as string);
  if (cursor === null) return err('ERR invalid cursor');
  const o = parseScanOptions(args, 2, true);
  if (o instanceof ErrorReply) return o;
  return scanKeyspace(ctx.db, ctx.nowMs, cursor, o);
}

function scanKeyspace(db: Keyspace, nowMs: number, cursor0: bigint, o: ScanOptions): Reply {
  // With a filter, keep walking (bounded) until COUNT keys pass it or the walk ends, so a
  // sparse MATCH does not return a long run of empty pages.
  const budget = o.match === null && o.type === null ? o.count : o.count * SCAN_WORK_MAX_FACTOR;
  const out: string[] = [];
  let cursor = cursor0;
  let visited = 0;
  do {
    const step = db.scan(cursor, Math.min(o.count, budget - visited));
    visited += Math.max(1, step.keys.length);
    cursor = step.cursor;
    for (const k of step.keys) {
      if (db.isExpired(k, nowMs)) continue;
      if (o.match !== null && !globMatch(o.match, k)) continue;
      if (o.type !== null) {
        const e = db.raw(k);
        if (e === undefined || typeOf(e.v) !== o.type) continue;
      }
      out.push(k);
    }
  } while (cursor !== 0n && out.length < o.count && visited < budget);
  return [String(cursor), out];
}

function expireGeneric(unit: TtlUnit, name: string) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const key = args[1] as string;
    let nx = false, xx = false, gt = false, lt = false;
    for (let i = 3; i < args.length; i++) {
      const a = (args[i] as string).toUpperCase();
      if (a === 'NX') nx = true;
      else if (a === 'XX') xx = true;
      else if (a === 'GT') gt = true;
      else if (a === 'LT') lt = true;
      else return err(`ERR Unsupported option ${args[i] as string}`);
    }
    if (nx && (xx || gt || lt)) return err('ERR NX and XX, GT or LT options at the same time are not compatible');
    if (gt && lt) return err('ERR GT and LT options at the same time are not compatible');
    const at = expireAtMs(unit, args[2] as string, ctx.nowMs, name, true);
    if (at instanceof ErrorReply) return at;
    const e = ctx.db.get(key, ctx.nowMs);
    if (e === undefined) return 0;
    const cur = ctx.db.getExpire(key);
    if (nx && cur !== undefined) return 0;
    if (xx && cur === undefined) return 0;
    // A key without a TTL counts as an infinite TTL for GT and LT.
    if (gt && (cur === undefined || at <= cur)) return 0;
    if (lt && cur !== undefined && at >= cur) return 0;
    if (at <= ctx.nowMs) {
      ctx.db.delete(key);
      return 1;
    }
    ctx.db.setExpire(key, e, at);
    return 1;
  };
}

function ttlGeneric(kind: 'ttl' | 'pttl' | 'expiretime' | 'pexpiretime') {
  return (ctx: ExecContext, args: string[]): Reply => {
    const key = args[1] as string;
    if (ctx.db.peek(key, ctx.nowMs) === undefined) return -2;
    const at = ctx.db.getExpire(key);
    if (at === undefined) return -1;
    switch (kind) {
      case 'ttl': return Math.max(0, Math.floor((at - ctx.nowMs + 500) / 1000));
      case 'pttl': return Math.max(0, at - ctx.nowMs);
      case 'expiretime': return Math.floor(at / 1000);
      case 'pexpiretime': return at;
    }
  };
}

const W = F.WRITE;
const KEY1: [number, number, number] = [1, 1, 1];
const g = 'generic';

export const keyCommands: CommandSpec[] = [
  cmd({ name: 'del', arity: -2, flags: W, keys: [1, -1, 1], group: g, summary: 'Deletes one or more keys.', handler: del }),
  cmd({ name: 'unlink', arity: -2, flags: W | F.FAST, keys: [1, -1, 1], group: g, since: '4.0.0', summary: 'Asynchronously deletes one or more keys.', handler: del }),
  cmd({ name: 'exists', arity: -2, flags: F.READONLY | F.FAST, keys: [1, -1, 1], group: g, summary: 'Determines whether one or more keys exist.', handler: exists }),
  cmd({ name: 'type', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, summary: 'Determines the type of value stored at a key.',
    handler: (ctx, a) => {
      const e = ctx.db.peek(a[1] as string, ctx.nowMs);
      return TYPE_REPLIES[e === undefined ? 'none' : typeOf(e.v)] as SimpleString;
    } }),
  cmd({ name: 'rename', arity: 3, flags: W, keys: [1, 2, 1], group: g, summary: 'Renames a key and overwrites the destination.', handler: rename(false) }),
  cmd({ name: 'renamenx', arity: 3, flags: W | F.FAST, keys: [1, 2, 1], group: g, summary: 'Renames a key only when the target key name doesn\'t exist.', handler: rename(true) }),
  cmd({ name: 'copy', arity: -3, flags: W | F.DENYOOM, keys: [1, 2, 1], group: g, since: '6.2.0', summary: 'Copies the value of a key to a new key.', handler: copy }),
  cmd({ name: 'keys', arity: 2, flags: F.READONLY, group: g, summary: 'Returns all key names that match a pattern.', handler: keysCmd }),
  cmd({ name: 'scan', arity: -2, flags: F.READONLY, group: g, since: '2.8.0', summary: 'Iterates over the key names in the database.', handler: scan }),
  cmd({ name: 'randomkey', arity: 1, flags: F.READONLY | F.RANDOM, group: g, summary: 'Returns a random key name from the database.',
    handler: (ctx) => ctx.db.randomKey(ctx.random, ctx.nowMs) ?? null }),
  cmd({ name: 'touch', arity: -2, flags: F.READONLY | F.FAST, keys: [1, -1, 1], group: g, since: '3.2.1', summary: 'Returns the number of existing keys out of those specified after updating the time they were last accessed.',
    handler: (ctx, a) => {
      let n = 0;
      for (let i = 1; i < a.length; i++) if (ctx.db.get(a[i] as string, ctx.nowMs) !== undefined) n++;
      return n;
    } }),
  cmd({ name: 'expire', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Sets the expiration time of a key in seconds.', handler: expireGeneric('EX', 'expire') }),
  cmd({ name: 'pexpire', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.6.0', summary: 'Sets the expiration time of a key in milliseconds.', handler: expireGeneric('PX', 'pexpire') }),
  cmd({ name: 'expireat', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, since: '1.2.0', summary: 'Sets the expiration time of a key to a Unix timestamp.', handler: expireGeneric('EXAT', 'expireat') }),
  cmd({ name: 'pexpireat', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.6.0', summary: 'Sets the expiration time of a key to a Unix milliseconds timestamp.', handler: expireGeneric('PXAT', 'pexpireat') }),
  cmd({ name: 'ttl', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, summary: 'Returns the expiration time in seconds of a key.', handler: ttlGeneric('ttl') }),
  cmd({ name: 'pttl', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, since: '2.6.0', summary: 'Returns the expiration time in milliseconds of a key.', handler: ttlGeneric('pttl') }),
  cmd({ name: 'expiretime', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, since: '7.0.0', summary: 'Returns the expiration time of a key as a Unix timestamp.', handler: ttlGeneric('expiretime') }),
  cmd({ name: 'pexpiretime', arity: 2, flags: F.READONLY | F.FAST, keys: KEY1, group: g, since: '7.0.0', summary: 'Returns the expiration time of a key as a Unix milliseconds timestamp.', handler: ttlGeneric('pexpiretime') }),
  cmd({ name: 'persist', arity: 2, flags: W | F.FAST, keys: KEY1, group: g, since: '2.2.0', summary: 'Removes the expiration time of a key.',
    handler: (ctx, a) => {
      const e = ctx.db.get(a[1] as string, ctx.nowMs);
      return e !== undefined && ctx.db.persist(a[1] as string, e) ? 1 : 0;
    } }),
];
