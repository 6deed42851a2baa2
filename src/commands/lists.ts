// List commands (Redis's t_list.c): pushes and pops at both ends, index and range access,
// LINSERT/LREM/LTRIM/LPOS, moves between lists and the multi-key pops. The blocking variants
// (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) run here as their non-blocking selves and answer
// the timeout reply when nothing is there; server/blocking.ts parks the client and re-runs them.

import { err, ERR_NOT_INTEGER, ERR_SYNTAX, ErrorReply, NULL_ARRAY, OK, type Reply } from '../protocol/reply.ts';
import type { Entry } from '../store/keyspace.ts';
import { encodingLimits } from '../store/limits.ts';
import { ListValue } from '../store/list.ts';
import { parseLong } from './args.ts';
import { checkType, commit, lookup, numKeysPositions, parseTimeoutMs } from './collections.ts';
import { cmd, F, type CommandSpec, type ExecContext } from './types.ts';

type End = 'left' | 'right';

const ERR_POSITIVE = err('ERR value is out of range, must be positive');
const ERR_NUMKEYS = err('ERR numkeys should be greater than 0');
const ERR_COUNT = err('ERR count should be greater than 0');

function readList(ctx: ExecContext, key: string): ListValue | null | ErrorReply {
  const e = lookup(ctx, key, 'list', false);
  return e === null || e instanceof ErrorReply ? e : (e.v as ListValue);
}

function parseEnd(s: string): End | null {
  const l = s.toLowerCase();
  return l === 'left' || l === 'right' ? l : null;
}

/** A long ≥ 0 (Redis's getPositiveLong), else `error` (also for non-integers). */
function parsePositive(s: string, error: ErrorReply): number | ErrorReply {
  const n = parseLong(s);
  return n === null || n < 0 ? error : n;
}

function push(end: End, onlyIfExists: boolean) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const key = args[1] as string;
    const e = lookup(ctx, key, 'list', true);
    if (e instanceof ErrorReply) return e;
    if (e === null && onlyIfExists) return 0;
    const l = e === null ? new ListValue() : (e.v as ListValue);
    let bytes = 0;
    for (let i = 2; i < args.length; i++) bytes += (args[i] as string).length;
    l.willGrow(bytes, args.length - 2, encodingLimits(ctx.db));
    if (end === 'left') for (let i = 2; i < args.length; i++) l.pushFront(args[i] as string);
    else for (let i = 2; i < args.length; i++) l.pushBack(args[i] as string);
    commit(ctx, key, e, l);
    return l.length;
  };
}

/** Pops up to count elements from one end of the list in e; writes back. */
function popFrom(ctx: ExecContext, key: string, e: Entry, end: End, count: number): string[] {
  const l = e.v as ListValue;
  const out: string[] = [];
  for (let i = 0; i < count && l.length > 0; i++) out.push((end === 'left' ? l.popFront() : l.popBack()) as string);
  l.shrunk(encodingLimits(ctx.db));
  commit(ctx, key, e, l);
  return out;
}

function pop(end: End) {
  return (ctx: ExecContext, args: string[]): Reply => {
    if (args.length > 3) return err(`ERR wrong number of arguments for '${end === 'left' ? 'lpop' : 'rpop'}' command`);
    const hasCount = args.length === 3;
    const count = hasCount ? parsePositive(args[2] as string, ERR_POSITIVE) : 1;
    if (count instanceof ErrorReply) return count;
    const key = args[1] as string;
    const e = lookup(ctx, key, 'list', true);
    if (e === null) return hasCount ? NULL_ARRAY : null;
    if (e instanceof ErrorReply) return e;
    if (hasCount && count === 0) return [];
    const out = popFrom(ctx, key, e, end, count);
    return hasCount ? out : (out[0] as string);
  };
}

/** Redis's index clamp for LRANGE/LTRIM: [start, end] within the list, or null when empty. */
function clampRange(start0: number, end0: number, len: number): [number, number] | null {
  let start = start0 < 0 ? len + start0 : start0;
  let end = end0 < 0 ? len + end0 : end0;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function lrange(ctx: ExecContext, args: string[]): Reply {
  const start = parseLong(args[2] as string);
  const end = parseLong(args[3] as string);
  if (start === null || end === null) return ERR_NOT_INTEGER;
  const l = readList(ctx, args[1] as string);
  if (l === null || l instanceof ErrorReply) return l ?? [];
  const r = clampRange(start, end, l.length);
  return r === null ? [] : l.range(r[0], r[1]);
}

function ltrim(ctx: ExecContext, args: string[]): Reply {
  const start = parseLong(args[2] as string);
  const end = parseLong(args[3] as string);
  if (start === null || end === null) return ERR_NOT_INTEGER;
  const key = args[1] as string;
  const e = lookup(ctx, key, 'list', true);
  if (e === null || e instanceof ErrorReply) return e ?? OK;
  const l = e.v as ListValue;
  const r = clampRange(start, end, l.length);
  if (r === null) l.trim(1, 0);
  else l.trim(r[0], r[1]);
  l.shrunk(encodingLimits(ctx.db));
  commit(ctx, key, e, l);
  return OK;
}

function lindex(ctx: ExecContext, args: string[]): Reply {
  const l = readList(ctx, args[1] as string);
  if (l === null || l instanceof ErrorReply) return l;
  const i0 = parseLong(args[2] as string);
  if (i0 === null) return ERR_NOT_INTEGER;
  const i = i0 < 0 ? l.length + i0 : i0;
  return i >= 0 && i < l.length ? l.at(i) : null;
}

function lset(ctx: ExecContext, args: string[]): Reply {
  const key = args[1] as string;
  const e = lookup(ctx, key, 'list', true);
  if (e === null) return err('ERR no such key');
  if (e instanceof ErrorReply) return e;
  const i0 = parseLong(args[2] as string);
  if (i0 === null) return ERR_NOT_INTEGER;
  const l = e.v as ListValue;
  const i = i0 < 0 ? l.length + i0 : i0;
  if (i < 0 || i >= l.length) return err('ERR index out of range');
  const limits = encodingLimits(ctx.db);
  const value = args[3] as string;
  l.willGrow(value.length, 0, limits);
  l.set(i, value);
  l.shrunk(limits);
  commit(ctx, key, e, l);
  return OK;
}

function linsert(ctx: ExecContext, args: string[]): Reply {
  const where = (args[2] as string).toLowerCase();
  if (where !== 'before' && where !== 'after') return ERR_SYNTAX;
  const key = args[1] as string;
  const e = lookup(ctx, key, 'list', true);
  if (e === null || e instanceof ErrorReply) return e ?? 0;
  const l = e.v as ListValue;
  const pivot = args[3] as string;
  for (let i = 0; i < l.length; i++) {
    if (l.at(i) !== pivot) continue;
    const value = args[4] as string;
    l.willGrow(value.length, 1, encodingLimits(ctx.db));
    l.insertAt(where === 'before' ? i : i + 1, value);
    commit(ctx, key, e, l);
    return l.length;
  }
  return -1;
}

function lrem(ctx: ExecContext, args: string[]): Reply {
  const count = parseLong(args[2] as string);
  if (count === null) return ERR_NOT_INTEGER;
  const key = args[1] as string;
  const e = lookup(ctx, key, 'list', true);
  if (e === null || e instanceof ErrorReply) return e ?? 0;
  const l = e.v as ListValue;
  const x = args[3] as string;
  const len = l.length;
  // Mark the matches to remove (from the tail when count < 0), then drop them in one pass.
  const drop = new Set<number>();
  const limit = count === 0 ? Infinity : Math.abs(count);
  for (let k = 0; k < len && drop.size < limit; k++) {
    const i = count < 0 ? len - 1 - k : k;
    if (l.at(i) === x) drop.add(i);
  }
  if (drop.size === 0) return 0;
  l.retain((_x, i) => !drop.has(i));
  l.shrunk(encodingLimits(ctx.db));
  commit(ctx, key, e, l);
  return drop.size;
}

interface LposOptions {
  rank: number;
  count: number; // -1: no COUNT option
  maxlen: number;
}

function parseLposOptions(args: string[]): LposOptions | ErrorReply {
  const o: LposOptions = { rank: 1, count: -1, maxlen: 0 };
  for (let i = 3; i < args.length; i++) {
    const opt = (args[i] as string).toLowerCase();
    const more = i + 1 < args.length;
    if (opt === 'rank' && more) {
      const r = parseLong(args[++i] as string);
      if (r === null) return ERR_NOT_INTEGER;
      if (r === 0) return err('ERR RANK can\'t be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list');
      o.rank = r;
    } else if (opt === 'count' && more) {
      const c = parsePositive(args[++i] as string, err('ERR COUNT can\'t be negative'));
      if (c instanceof ErrorReply) return c;
      o.count = c;
    } else if (opt === 'maxlen' && more) {
      const m = parsePositive(args[++i] as string, err('ERR MAXLEN can\'t be negative'));
      if (m instanceof ErrorReply) return m;
      o.maxlen = m;
    } else return ERR_SYNTAX;
  }
  return o;
}

function lpos(ctx: ExecContext, args: string[]): Reply {
  const o = parseLposOptions(args);
  if (o instanceof ErrorReply) return o;
  const l = readList(ctx, args[1] as string);
  if (l instanceof ErrorReply) return l;
  if (l === null) return o.count === -1 ? null : [];
  const x = args[2] as string;
  const fromTail = o.rank < 0;
  const rank = Math.abs(o.rank);
  const len = l.length;
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < len && (o.maxlen === 0 || k < o.maxlen); k++) {
    const i = fromTail ? len - 1 - k : k;
    if (l.at(i) !== x) continue;
    matches++;
    if (matches < rank) continue;
    found.push(i);
    if (o.count === -1 || (o.count > 0 && found.length >= o.count)) break;
  }
  if (o.count === -1) return found[0] ?? null;
  return found;
}

/** LMOVE's work once the arguments are valid: null when source is absent. */
function move(ctx: ExecContext, src: string, dst: string, from: End, to: End): Reply {
  const se = lookup(ctx, src, 'list', true);
  if (se === null || se instanceof ErrorReply) return se;
  const wrong = checkType(ctx, dst, 'list');
  if (wrong !== null) return wrong;
  const limits = encodingLimits(ctx.db);
  const sl = se.v as ListValue;
  const value = (from === 'left' ? sl.popFront() : sl.popBack()) as string;
  // Source and destination may be one list (a rotation): never drop it in between.
  const de = src === dst ? se : (lookup(ctx, dst, 'list', true) as Entry | null);
  const dl = de === null ? new ListValue() : (de.v as ListValue);
  dl.willGrow(value.length, 1, limits);
  if (to === 'left') dl.pushFront(value);
  else dl.pushBack(value);
  if (src !== dst) {
    sl.shrunk(limits);
    commit(ctx, src, se, sl);
  }
  commit(ctx, dst, de, dl);
  return value;
}

function lmove(ctx: ExecContext, args: string[]): Reply {
  const from = parseEnd(args[3] as string);
  const to = parseEnd(args[4] as string);
  if (from === null || to === null) return ERR_SYNTAX;
  return move(ctx, args[1] as string, args[2] as string, from, to);
}

function blmove(ctx: ExecContext, args: string[]): Reply {
  const from = parseEnd(args[3] as string);
  const to = parseEnd(args[4] as string);
  if (from === null || to === null) return ERR_SYNTAX;
  const t = parseTimeoutMs(args[5] as string, ctx.nowMs);
  if (t instanceof ErrorReply) return t;
  return move(ctx, args[1] as string, args[2] as string, from, to);
}

function brpoplpush(ctx: ExecContext, args: string[]): Reply {
  const t = parseTimeoutMs(args[3] as string, ctx.nowMs);
  if (t instanceof ErrorReply) return t;
  return move(ctx, args[1] as string, args[2] as string, 'right', 'left');
}

/**
 * Pops from the first non-empty list among keys: [key, element] (count null) or
 * [key, [elements]]; the null array when every list is empty; WRONGTYPE on the way.
 */
function popFirst(ctx: ExecContext, keys: string[], end: End, count: number | null): Reply {
  for (const key of keys) {
    const e = lookup(ctx, key, 'list', true);
    if (e === null) continue;
    if (e instanceof ErrorReply) return e;
    const out = popFrom(ctx, key, e, end, count ?? 1);
    return count === null ? [key, out[0] as string] : [key, out];
  }
  return NULL_ARRAY;
}

function bpop(end: End) {
  return (ctx: ExecContext, args: string[]): Reply => {
    const t = parseTimeoutMs(args[args.length - 1] as string, ctx.nowMs);
    if (t instanceof ErrorReply) return t;
    return popFirst(ctx, args.slice(1, -1), end, null);
  };
}

/** LMPOP / BLMPOP arguments from numkeys at `at`: keys, end and count, or the error. */
function parseMpop(args: string[], at: number): [string[], End, number] | ErrorReply {
  const n = parseLong(args[at] as string);
  if (n === null || n <= 0) return ERR_NUMKEYS;
  const whereAt = at + n + 1;
  if (whereAt >= args.length) return ERR_SYNTAX;
  const end = parseEnd(args[whereAt] as string);
  if (end === null) return ERR_SYNTAX;
  let count = -1;
  for (let i = whereAt + 1; i < args.length; i++) {
    if (count === -1 && (args[i] as string).toLowerCase() === 'count' && i + 1 < args.length) {
      const c = parseLong(args[++i] as string);
      if (c === null || c <= 0) return ERR_COUNT;
      count = c;
    } else return ERR_SYNTAX;
  }
  return [args.slice(at + 1, whereAt), end, count === -1 ? 1 : count];
}

function lmpop(ctx: ExecContext, args: string[]): Reply {
  const p = parseMpop(args, 1);
  if (p instanceof ErrorReply) return p;
  return popFirst(ctx, p[0], p[1], p[2]);
}

function blmpop(ctx: ExecContext, args: string[]): Reply {
  const t = parseTimeoutMs(args[1] as string, ctx.nowMs);
  if (t instanceof ErrorReply) return t;
  const p = parseMpop(args, 2);
  if (p instanceof ErrorReply) return p;
  return popFirst(ctx, p[0], p[1], p[2]);
}

const W = F.WRITE | F.DENYOOM;
const R = F.READONLY;
const KEY1: [number, number, number] = [1, 1, 1];
const g = 'list';
const B = F.WRITE | F.BLOCKING;

export const listCommands: CommandSpec[] = [
  cmd({ name: 'lpush', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Prepends one or more elements to a list. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added', handler: push('left', false) }),
  cmd({ name: 'rpush', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, summary: 'Appends one or more elements to a list. Creates the key if it doesn\'t exist.',
    complexity: 'O(1) for each element added', handler: push('right', false) }),
  cmd({ name: 'lpushx', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.2.0', summary: 'Prepends one or more elements to a list only when the list exists.',
    complexity: 'O(1) for each element added', handler: push('left', true) }),
  cmd({ name: 'rpushx', arity: -3, flags: W | F.FAST, keys: KEY1, group: g, since: '2.2.0', summary: 'Appends an element to a list only when the list exists.',
    complexity: 'O(1) for each element added', handler: push('right', true) }),
  cmd({ name: 'lpop', arity: -2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, summary: 'Returns the first elements in a list after removing it. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of elements returned', handler: pop('left') }),
  cmd({ name: 'rpop', arity: -2, flags: F.WRITE | F.FAST, keys: KEY1, group: g, summary: 'Returns and removes the last elements of a list. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of elements returned', handler: pop('right') }),
  cmd({ name: 'llen', arity: 2, flags: R | F.FAST, keys: KEY1, group: g, summary: 'Returns the length of a list.',
    complexity: 'O(1)', handler: (ctx, a) => {
      const l = readList(ctx, a[1] as string);
      return l === null || l instanceof ErrorReply ? (l ?? 0) : l.length;
    } }),
  cmd({ name: 'lrange', arity: 4, flags: R, keys: KEY1, group: g, summary: 'Returns a range of elements from a list.',
    complexity: 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.', handler: lrange }),
  cmd({ name: 'lindex', arity: 3, flags: R, keys: KEY1, group: g, summary: 'Returns an element from a list by its index.',
    complexity: 'O(1)', handler: lindex }),
  cmd({ name: 'lset', arity: 4, flags: W, keys: KEY1, group: g, summary: 'Sets the value of an element in a list by its index.',
    complexity: 'O(1)', handler: lset }),
  cmd({ name: 'linsert', arity: 5, flags: W, keys: KEY1, group: g, since: '2.2.0', summary: 'Inserts an element before or after another element in a list.',
    complexity: 'O(N) where N is the number of elements to traverse before seeing the value pivot.', handler: linsert }),
  cmd({ name: 'lrem', arity: 4, flags: F.WRITE, keys: KEY1, group: g, summary: 'Removes elements from a list. Deletes the list if the last element was removed.',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.', handler: lrem }),
  cmd({ name: 'ltrim', arity: 4, flags: F.WRITE, keys: KEY1, group: g, summary: 'Removes elements from both ends a list. Deletes the list if all elements were trimmed.',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.', handler: ltrim }),
  cmd({ name: 'lpos', arity: -3, flags: R, keys: KEY1, group: g, since: '6.0.6', summary: 'Returns the index of matching elements in a list.',
    complexity: 'O(N) where N is the number of elements in the list, for the average case.', handler: lpos }),
  cmd({ name: 'lmove', arity: 5, flags: W, keys: [1, 2, 1], group: g, since: '6.2.0', summary: 'Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.',
    complexity: 'O(1)', handler: lmove }),
  cmd({ name: 'rpoplpush', arity: 3, flags: W, keys: [1, 2, 1], group: g, since: '1.2.0', summary: 'Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.',
    complexity: 'O(1)', handler: (ctx, a) => move(ctx, a[1] as string, a[2] as string, 'right', 'left') }),
  cmd({ name: 'lmpop', arity: -4, flags: F.WRITE, keyFn: numKeysPositions(1), group: g, since: '7.0.0', summary: 'Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', handler: lmpop }),
  cmd({ name: 'blpop', arity: -3, flags: B, keys: [1, -2, 1], group: g, since: '2.0.0', summary: 'Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of provided keys.', handler: bpop('left') }),
  cmd({ name: 'brpop', arity: -3, flags: B, keys: [1, -2, 1], group: g, since: '2.0.0', summary: 'Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N) where N is the number of provided keys.', handler: bpop('right') }),
  cmd({ name: 'blmove', arity: 6, flags: B | F.DENYOOM, keys: [1, 2, 1], group: g, since: '6.2.0', summary: 'Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.',
    complexity: 'O(1)', handler: blmove }),
  cmd({ name: 'brpoplpush', arity: 4, flags: B | F.DENYOOM, keys: [1, 2, 1], group: g, since: '2.2.0', summary: 'Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(1)', handler: brpoplpush }),
  cmd({ name: 'blmpop', arity: -5, flags: B, keyFn: numKeysPositions(2), group: g, since: '7.0.0', summary: 'Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', handler: blmpop }),
];

/** Which argument holds the timeout of each blocking list command. */
export const LIST_TIMEOUT_ARG: Readonly<Record<string, (args: string[]) => number>> = {
  blpop: (a) => a.length - 1,
  brpop: (a) => a.length - 1,
  blmove: () => 5,
  brpoplpush: () => 3,
  blmpop: () => 1,
};
