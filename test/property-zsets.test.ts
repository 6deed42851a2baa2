// Property test for sorted sets: seeded random ZADD (every flag), ZINCRBY, ranks, the ZRANGE
// family by rank, score and lex (REV, LIMIT, WITHSCORES), removals by range, pops and the
// *STORE algebra against a member → score Map, sorted on demand; every reply is compared.
// Enough members go through the sets to leave the compact encoding and come back.

import { after, before, test } from 'node:test';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arr, bulk, expect, int, NIL, NIL_ARRAY, OK, pick, runProperty, WRONGTYPE, type Model } from './helpers/property.ts';
import { RawClient, type RespValue } from './helpers/resp.ts';
import { formatDouble } from '../src/protocol/writer.ts';
import type { Xoshiro128 } from '../src/util/prng.ts';

const KEYS = ['z0', 'z1', 'z2'];
type Pair = [string, number];

function cmpPairs(a: Pair, b: Pair): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** A score argument as a number ('+inf' and '-inf' included). */
const num = (s: string): number => (s === '+inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
const score = (v: number) => bulk(formatDouble(v));
const pairsFlat = (ps: Pair[], withScores: boolean) => arr(ps.flatMap(([m, s]) => (withScores ? [bulk(m), score(s)] : [bulk(m)])));

function parseBound(s: string): [number, boolean] {
  const ex = s.startsWith('(');
  const t = ex ? s.slice(1) : s;
  return [t === '+inf' || t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t), ex];
}

function inScore(v: number, min: string, max: string): boolean {
  const [lo, loEx] = parseBound(min);
  const [hi, hiEx] = parseBound(max);
  return (loEx ? v > lo : v >= lo) && (hiEx ? v < hi : v <= hi);
}

function inLex(m: string, min: string, max: string): boolean {
  const okMin = min === '-' || (min === '+' ? false : min[0] === '(' ? m > min.slice(1) : m >= min.slice(1));
  const okMax = max === '+' || (max === '-' ? false : max[0] === '(' ? m < max.slice(1) : m <= max.slice(1));
  return okMin && okMax;
}

function clamp(start0: number, end0: number, len: number): [number, number] | null {
  let start = start0 < 0 ? len + start0 : start0;
  let end = end0 < 0 ? len + end0 : end0;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

class ZsetModel implements Model {
  readonly z = new Map<string, Map<string, number>>();

  private sorted(key: string): Pair[] {
    return [...(this.z.get(key)?.entries() ?? [])].sort(cmpPairs);
  }

  private put(key: string, m: Map<string, number>): void {
    for (const [x, v] of m) if (Object.is(v, -0)) m.set(x, 0); // a stored -0 reads back as 0
    if (m.size === 0) this.z.delete(key);
    else this.z.set(key, m);
  }

  check(args: string[], got: RespValue): string | null {
    const [cmd, key = ''] = args as [string, string];
    if (cmd === 'config') return expect(got, OK);
    // ZPOPMIN/ZPOPMAX with a count of 0 check the key's type too (Redis 7.0 and later).
    if (key === 'str') return expect(got, WRONGTYPE);
    const m = this.z.get(key) ?? new Map<string, number>();
    const a = args.slice(2);
    switch (cmd) {
      case 'zadd': return this.zadd(key, m, a, got);
      case 'zincrby': {
        const v = (m.get(a[1] as string) ?? 0) + num(a[0] as string);
        if (Number.isNaN(v)) return expect(got, '-ERR resulting score is not a number (NaN)');
        m.set(a[1] as string, v);
        this.put(key, m);
        return expect(got, score(v));
      }
      case 'zscore': { const v = m.get(a[0] as string); return expect(got, v === undefined ? NIL : score(v)); }
      case 'zmscore': return expect(got, arr(a.map((x) => { const v = m.get(x); return v === undefined ? NIL : score(v); })));
      case 'zcard': return expect(got, int(m.size));
      case 'zrank': case 'zrevrank': return this.rank(key, cmd === 'zrevrank', a, got);
      case 'zcount': return expect(got, int(this.sorted(key).filter(([, v]) => inScore(v, a[0] as string, a[1] as string)).length));
      case 'zlexcount': return expect(got, int(this.sorted(key).filter(([x]) => inLex(x, a[0] as string, a[1] as string)).length));
      case 'zrange': return this.range(key, a, got);
      case 'zrem': {
        let n = 0;
        for (const x of a) if (m.delete(x)) n++;
        this.put(key, m);
        return expect(got, int(n));
      }
      case 'zremrangebyrank': case 'zremrangebyscore': case 'zremrangebylex': return this.remrange(key, m, cmd, a, got);
      case 'zpopmin': case 'zpopmax': {
        const all = this.sorted(key);
        const n = a.length === 0 ? 1 : Number(a[0]);
        const out = (cmd === 'zpopmin' ? all : all.reverse()).slice(0, n);
        for (const [x] of out) m.delete(x);
        this.put(key, m);
        return expect(got, pairsFlat(out, true));
      }
      case 'zmpop': return this.zmpop(args, got);
      case 'zunionstore': case 'zinterstore': case 'zdiffstore': return this.algebra(cmd, key, a, got);
      case 'zrangestore': return this.rangestore(key, a, got);
      case 'del': return expect(got, int(this.z.delete(key) ? 1 : 0));
      default: return `model does not know ${cmd}`;
    }
  }

  private zadd(key: string, m: Map<string, number>, a: string[], got: RespValue): string | null {
    const flags = new Set<string>();
    let i = 0;
    while (['nx', 'xx', 'gt', 'lt', 'ch', 'incr'].includes(a[i] as string)) flags.add(a[i++] as string);
    let added = 0;
    let changed = 0;
    let last: number | null = null;
    for (; i < a.length; i += 2) {
      const v0 = num(a[i] as string);
      const x = a[i + 1] as string;
      const cur = m.get(x);
      if (cur === undefined) {
        if (flags.has('xx')) continue;
        m.set(x, v0);
        added++;
        last = v0;
        continue;
      }
      if (flags.has('nx')) continue;
      const v = flags.has('incr') ? cur + v0 : v0;
      if (Number.isNaN(v)) return expect(got, '-ERR resulting score is not a number (NaN)');
      if ((flags.has('lt') && v >= cur) || (flags.has('gt') && v <= cur)) continue;
      if (v !== cur) changed++;
      m.set(x, v);
      last = v;
    }
    this.put(key, m);
    if (flags.has('incr')) return expect(got, last === null ? NIL : score(last));
    return expect(got, int(flags.has('ch') ? added + changed : added));
  }

  private rank(key: string, reverse: boolean, a: string[], got: RespValue): string | null {
    const all = this.sorted(key);
    const i = all.findIndex(([x]) => x === a[0]);
    const withScore = a.length === 2;
    if (i < 0) return expect(got, withScore ? NIL_ARRAY : NIL);
    const r = reverse ? all.length - 1 - i : i;
    return expect(got, withScore ? arr([int(r), score((all[i] as Pair)[1])]) : int(r));
  }

  /** ZRANGE key a b [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES] → the pairs. */
  private select(key: string, a: string[]): [Pair[], boolean] {
    const opts = a.slice(2);
    const by = opts.includes('byscore') ? 'score' : opts.includes('bylex') ? 'lex' : 'rank';
    const rev = opts.includes('rev');
    const withScores = opts.includes('withscores');
    const li = opts.indexOf('limit');
    let all = this.sorted(key);
    if (by === 'rank') {
      if (rev) all = all.reverse();
      const r = clamp(Number(a[0]), Number(a[1]), all.length);
      return [r === null ? [] : all.slice(r[0], r[1] + 1), withScores];
    }
    const [min, max] = rev ? [a[1] as string, a[0] as string] : [a[0] as string, a[1] as string];
    let sel = all.filter(([x, v]) => (by === 'score' ? inScore(v, min, max) : inLex(x, min, max)));
    if (rev) sel = sel.reverse();
    if (li >= 0) {
      const off = Number(opts[li + 1]);
      const cnt = Number(opts[li + 2]);
      sel = off < 0 ? [] : sel.slice(off, cnt < 0 ? undefined : off + cnt);
    }
    return [sel, withScores];
  }

  private range(key: string, a: string[], got: RespValue): string | null {
    const [sel, withScores] = this.select(key, a);
    return expect(got, pairsFlat(sel, withScores));
  }

  private rangestore(dst: string, a: string[], got: RespValue): string | null {
    const [sel] = this.select(a[0] as string, a.slice(1));
    this.put(dst, new Map(sel));
    return expect(got, int(sel.length));
  }

  private remrange(key: string, m: Map<string, number>, cmd: string, a: string[], got: RespValue): string | null {
    const all = this.sorted(key);
    let sel: Pair[];
    if (cmd === 'zremrangebyrank') {
      const r = clamp(Number(a[0]), Number(a[1]), all.length);
      sel = r === null ? [] : all.slice(r[0], r[1] + 1);
    } else if (cmd === 'zremrangebyscore') sel = all.filter(([, v]) => inScore(v, a[0] as string, a[1] as string));
    else sel = all.filter(([x]) => inLex(x, a[0] as string, a[1] as string));
    for (const [x] of sel) m.delete(x);
    this.put(key, m);
    return expect(got, int(sel.length));
  }

  private zmpop(args: string[], got: RespValue): string | null {
    const n = Number(args[1]);
    const keys = args.slice(2, 2 + n);
    const max = args[2 + n] === 'max';
    const count = args.length > 3 + n ? Number(args[4 + n]) : 1;
    for (const k of keys) {
      if (k === 'str') return expect(got, WRONGTYPE);
      const m = this.z.get(k);
      if (m === undefined) continue;
      const all = this.sorted(k);
      const out = (max ? all.reverse() : all).slice(0, count);
      for (const [x] of out) m.delete(x);
      this.put(k, m);
      return expect(got, arr([bulk(k), arr(out.map(([x, v]) => arr([bulk(x), score(v)])))]));
    }
    return expect(got, NIL_ARRAY);
  }

  private algebra(cmd: string, dst: string, a: string[], got: RespValue): string | null {
    const n = Number(a[0]);
    const keys = a.slice(1, 1 + n);
    const opts = a.slice(1 + n);
    const wi = opts.indexOf('weights');
    const weights = keys.map((_, i) => (wi >= 0 ? Number(opts[wi + 1 + i]) : 1));
    const ai = opts.indexOf('aggregate');
    const agg = ai >= 0 ? (opts[ai + 1] as string) : 'sum';
    const combine = (x: number, y: number) => (agg === 'min' ? Math.min(x, y) : agg === 'max' ? Math.max(x, y) : x + y);
    const srcs = keys.map((k) => this.z.get(k) ?? new Map<string, number>());
    const out = new Map<string, number>();
    if (cmd === 'zdiffstore') {
      for (const [x, v] of srcs[0] ?? []) if (!srcs.slice(1).some((s) => s.has(x))) out.set(x, v);
    } else if (cmd === 'zunionstore') {
      srcs.forEach((s, i) => s.forEach((v, x) => {
        const w = v * (weights[i] as number);
        const cur = out.get(x);
        out.set(x, cur === undefined ? w : combine(cur, w));
      }));
    } else {
      const [first, ...rest] = srcs;
      for (const [x, v] of first ?? []) {
        if (!rest.every((s) => s.has(x))) continue;
        let acc = v * (weights[0] as number);
        rest.forEach((s, i) => { acc = combine(acc, (s.get(x) as number) * (weights[i + 1] as number)); });
        out.set(x, acc);
      }
    }
    this.put(dst, out);
    return expect(got, int(out.size));
  }
}

function scoreArg(r: Xoshiro128, withInf: boolean): string {
  if (withInf && r.int(25) === 0) return pick(r, ['+inf', '-inf']);
  const v = r.int(21) - 10;
  return r.int(3) === 0 ? `${v}.5` : String(v);
}

function bound(r: Xoshiro128): string {
  const v = pick(r, ['-inf', '+inf', '-3', '0', '1.5', '2', '5', '-10']);
  return r.int(3) === 0 && !v.endsWith('inf') ? `(${v}` : v;
}

function lexBound(r: Xoshiro128): string {
  const k = r.int(10);
  if (k === 0) return '-';
  if (k === 1) return '+';
  return `${pick(r, ['[', '('])}m${r.int(30)}`;
}

function gen(r: Xoshiro128, space: number): string[] {
  const key = r.int(50) === 0 ? 'str' : pick(r, KEYS);
  const inf = key === 'z2';
  const mem = () => (r.int(60) === 0 ? `m${r.int(space)}${'q'.repeat(70)}` : `m${r.int(space)}`);
  const limit = () => (r.int(3) === 0 ? ['limit', String(r.int(5) - 1), String(r.int(6) - 1)] : []);
  if (space > 100 && r.int(2) === 0) return ['zadd', key, ...Array.from({ length: 4 }, () => [scoreArg(r, inf), mem()]).flat()];
  switch (r.int(24)) {
    case 0: case 1: case 2: case 3: {
      const flags = pick(r, [[], [], ['nx'], ['xx'], ['gt'], ['lt'], ['xx', 'gt'], ['ch'], ['ch', 'lt'], ['incr']]);
      const pairs = flags.includes('incr') ? 1 : 1 + r.int(4);
      return ['zadd', key, ...flags, ...Array.from({ length: pairs }, () => [scoreArg(r, inf), mem()]).flat()];
    }
    case 4: return ['zincrby', key, scoreArg(r, inf), mem()];
    case 5: return pick(r, [['zscore', key, mem()], ['zmscore', key, mem(), mem()], ['zcard', key]]);
    case 6: return [pick(r, ['zrank', 'zrevrank']), key, mem(), ...(r.int(2) === 0 ? ['withscore'] : [])];
    case 7: return ['zcount', key, bound(r), bound(r)];
    case 8: case 9: return ['zrange', key, String(r.int(12) - 6), String(r.int(12) - 6), ...(r.int(2) === 0 ? ['rev'] : []), ...(r.int(2) === 0 ? ['withscores'] : [])];
    case 10: case 11: return ['zrange', key, bound(r), bound(r), 'byscore', ...(r.int(2) === 0 ? ['rev'] : []), ...limit(), ...(r.int(2) === 0 ? ['withscores'] : [])];
    case 12: return ['zadd', 'lx', '0', mem()];
    case 13: return ['zrange', 'lx', lexBound(r), lexBound(r), 'bylex', ...(r.int(2) === 0 ? ['rev'] : []), ...limit()];
    case 14: return pick(r, [['zlexcount', 'lx', lexBound(r), lexBound(r)], ['zremrangebylex', 'lx', lexBound(r), lexBound(r)], ['zrem', 'lx', mem()]]);
    case 15: return ['zrem', key, mem(), ...(r.int(2) === 0 ? [mem()] : [])];
    case 16: if (space > 100 && r.int(4) > 0) return ['zadd', key, scoreArg(r, inf), mem(), scoreArg(r, inf), mem()];
      return pick(r, [['zremrangebyrank', key, String(r.int(8) - 4), String(r.int(8) - 4)], ['zremrangebyscore', key, bound(r), bound(r)]]);
    case 17: return [pick(r, ['zpopmin', 'zpopmax']), key, ...(r.int(2) === 0 ? [String(r.int(4))] : [])];
    case 18: return ['zmpop', '2', pick(r, KEYS), key, pick(r, ['min', 'max']), ...(r.int(2) === 0 ? ['count', String(1 + r.int(3))] : [])];
    case 19: {
      const srcs = [pick(r, ['z0', 'z1']), pick(r, ['z0', 'z1'])];
      const op = pick(r, ['zunionstore', 'zinterstore', 'zdiffstore']);
      const opts = op === 'zdiffstore' ? [] : [...(r.int(2) === 0 ? ['weights', String(r.int(5) - 2), '0.5'] : []), ...(r.int(2) === 0 ? ['aggregate', pick(r, ['sum', 'min', 'max'])] : [])];
      return [op, pick(r, ['z0', 'z1']), '2', ...srcs, ...opts];
    }
    case 20: return ['zrangestore', pick(r, ['z0', 'z1']), pick(r, ['z0', 'z1']), bound(r), bound(r), 'byscore', ...limit()];
    case 21: return space > 100 && r.int(20) > 0 ? ['zcard', key] : ['del', pick(r, KEYS)];
    case 22: return ['config', 'set', 'zset-max-listpack-entries', pick(r, ['4', '16', '128'])];
    default: return ['zadd', key, scoreArg(r, inf), mem()];
  }
}

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

// The last run uses enough members to grow the order tree past one leaf.
for (const [seed, space] of [[31, 30], [32, 30], [33, 30], [34, 700]] as const) {
  test(`sorted sets behave like a sorted Map (seed ${seed}, ${space} members)`, async () => {
    const c = await RawClient.connect(floe.port);
    await c.call('flushall');
    await c.call('set', 'str', 'string value');
    c.close();
    await runProperty(floe.port, seed, 5000, new ZsetModel(), (r) => gen(r, space));
  });
}
