// Property test for lists: seeded random pushes, pops, index and range operations, LINSERT,
// LREM, LTRIM, LPOS, LMOVE and LMPOP across a few keys (and a string key for WRONGTYPE)
// against an array model; every reply is compared.

import { after, before, test } from 'node:test';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { arr, bulk, bulks, expect, int, NIL, NIL_ARRAY, OK, pick, runProperty, WRONGTYPE, type Model } from './helpers/property.ts';
import { RawClient, type RespValue } from './helpers/resp.ts';
import type { Xoshiro128 } from '../src/util/prng.ts';

const KEYS = ['l0', 'l1', 'l2'];

function clamp(start0: number, end0: number, len: number): [number, number] | null {
  let start = start0 < 0 ? len + start0 : start0;
  let end = end0 < 0 ? len + end0 : end0;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

class ListModel implements Model {
  readonly lists = new Map<string, string[]>();

  private get(key: string): string[] {
    return this.lists.get(key) ?? [];
  }

  private put(key: string, l: string[]): void {
    if (l.length === 0) this.lists.delete(key);
    else this.lists.set(key, l);
  }

  check(args: string[], got: RespValue): string | null {
    const [cmd, key = ''] = args as [string, string];
    if (cmd === 'config') return expect(got, OK);
    if (key === 'str' || (cmd === 'lmove' && args[2] === 'str' && this.get(key).length > 0)) return expect(got, WRONGTYPE);
    const l = this.get(key);
    const a = args.slice(2);
    switch (cmd) {
      case 'lpush': case 'rpush': case 'lpushx': case 'rpushx': {
        if (cmd.endsWith('x') && l.length === 0) return expect(got, int(0));
        for (const x of a) if (cmd.startsWith('l')) l.unshift(x); else l.push(x);
        this.put(key, l);
        return expect(got, int(l.length));
      }
      case 'lpop': case 'rpop': {
        const counted = a.length === 1;
        if (l.length === 0) return expect(got, counted ? NIL_ARRAY : NIL);
        const n = counted ? Number(a[0]) : 1;
        const out = cmd === 'lpop' ? l.splice(0, n) : l.splice(Math.max(0, l.length - n)).reverse();
        this.put(key, l);
        return expect(got, counted ? bulks(out) : bulk(out[0] as string));
      }
      case 'llen': return expect(got, int(l.length));
      case 'lindex': {
        const i0 = Number(a[0]);
        const i = i0 < 0 ? l.length + i0 : i0;
        return expect(got, bulk(l[i] ?? null));
      }
      case 'lset': {
        if (!this.lists.has(key)) return expect(got, '-ERR no such key');
        const i0 = Number(a[0]);
        const i = i0 < 0 ? l.length + i0 : i0;
        if (i < 0 || i >= l.length) return expect(got, '-ERR index out of range');
        l[i] = a[1] as string;
        return expect(got, OK);
      }
      case 'lrange': {
        const r = clamp(Number(a[0]), Number(a[1]), l.length);
        return expect(got, bulks(r === null ? [] : l.slice(r[0], r[1] + 1)));
      }
      case 'ltrim': {
        const r = clamp(Number(a[0]), Number(a[1]), l.length);
        this.put(key, r === null ? [] : l.slice(r[0], r[1] + 1));
        return expect(got, OK);
      }
      case 'linsert': {
        if (l.length === 0) return expect(got, int(0));
        const i = l.indexOf(a[1] as string);
        if (i < 0) return expect(got, int(-1));
        l.splice(a[0] === 'before' ? i : i + 1, 0, a[2] as string);
        return expect(got, int(l.length));
      }
      case 'lrem': return this.lrem(key, l, Number(a[0]), a[1] as string, got);
      case 'lpos': return this.lpos(l, a, got);
      case 'lmove': return this.lmove(key, a[0] as string, a[1] as string, a[2] as string, got);
      case 'lmpop': return this.lmpop(args, got);
      case 'del': return expect(got, int(this.lists.delete(key) ? 1 : 0));
      default: return `model does not know ${cmd}`;
    }
  }

  private lrem(key: string, l: string[], count: number, x: string, got: RespValue): string | null {
    const idx: number[] = [];
    for (let k = 0; k < l.length; k++) {
      const i = count < 0 ? l.length - 1 - k : k;
      if (l[i] === x && (count === 0 || idx.length < Math.abs(count))) idx.push(i);
    }
    this.put(key, l.filter((_, i) => !idx.includes(i)));
    return expect(got, int(idx.length));
  }

  private lpos(l: string[], a: string[], got: RespValue): string | null {
    const x = a[0] as string;
    let rank = 1;
    let count = -1;
    let maxlen = 0;
    for (let i = 1; i < a.length; i += 2) {
      if (a[i] === 'rank') rank = Number(a[i + 1]);
      if (a[i] === 'count') count = Number(a[i + 1]);
      if (a[i] === 'maxlen') maxlen = Number(a[i + 1]);
    }
    const found: number[] = [];
    let matches = 0;
    for (let k = 0; k < l.length && (maxlen === 0 || k < maxlen); k++) {
      const i = rank < 0 ? l.length - 1 - k : k;
      if (l[i] !== x || ++matches < Math.abs(rank)) continue;
      found.push(i);
      if (count === -1 || (count > 0 && found.length >= count)) break;
    }
    if (count === -1) return expect(got, found.length === 0 ? NIL : int(found[0] as number));
    return expect(got, arr(found.map(int)));
  }

  private lmove(src: string, dst: string, from: string, to: string, got: RespValue): string | null {
    const s = this.get(src);
    if (s.length === 0) return expect(got, NIL);
    const x = (from === 'left' ? s.shift() : s.pop()) as string;
    this.put(src, s);
    const d = this.get(dst);
    if (to === 'left') d.unshift(x);
    else d.push(x);
    this.put(dst, d);
    return expect(got, bulk(x));
  }

  private lmpop(args: string[], got: RespValue): string | null {
    const n = Number(args[1]);
    const keys = args.slice(2, 2 + n);
    const end = args[2 + n];
    const count = args.length > 3 + n ? Number(args[4 + n]) : 1;
    if (keys.includes('str')) {
      const firstFull = keys.findIndex((k) => k === 'str' || this.get(k).length > 0);
      if (keys[firstFull] === 'str') return expect(got, WRONGTYPE);
    }
    for (const k of keys) {
      const l = this.get(k);
      if (l.length === 0) continue;
      const out = end === 'left' ? l.splice(0, count) : l.splice(Math.max(0, l.length - count)).reverse();
      this.put(k, l);
      return expect(got, arr([bulk(k), bulks(out)]));
    }
    return expect(got, NIL_ARRAY);
  }
}

function elem(r: Xoshiro128): string {
  return r.int(30) === 0 ? `e${r.int(5)}${'y'.repeat(300)}` : `e${r.int(8)}`;
}

function gen(r: Xoshiro128): string[] {
  const key = r.int(40) === 0 ? 'str' : pick(r, KEYS);
  const idx = () => String(r.int(14) - 7);
  switch (r.int(20)) {
    case 0: case 1: case 2: return [pick(r, ['lpush', 'rpush']), key, ...Array.from({ length: 1 + r.int(4) }, () => elem(r))];
    case 3: return [pick(r, ['lpushx', 'rpushx']), key, elem(r)];
    case 4: case 5: return [pick(r, ['lpop', 'rpop']), key, ...(r.int(2) === 0 ? [String(r.int(4))] : [])];
    case 6: return ['llen', key];
    case 7: return ['lindex', key, idx()];
    case 8: return ['lset', key, idx(), elem(r)];
    case 9: case 10: return ['lrange', key, idx(), idx()];
    case 11: return r.int(3) === 0 ? ['ltrim', key, idx(), idx()] : ['lrange', key, '0', '-1'];
    case 12: return ['linsert', key, pick(r, ['before', 'after']), elem(r), elem(r)];
    case 13: return ['lrem', key, String(r.int(7) - 3), elem(r)];
    case 14: {
      const opts: string[] = [];
      if (r.int(2) === 0) opts.push('rank', pick(r, ['1', '2', '-1', '-2', '3']));
      if (r.int(2) === 0) opts.push('count', String(r.int(3)));
      if (r.int(3) === 0) opts.push('maxlen', String(r.int(6)));
      return ['lpos', key, elem(r), ...opts];
    }
    case 15: case 16: return ['lmove', key, r.int(30) === 0 ? 'str' : pick(r, KEYS), pick(r, ['left', 'right']), pick(r, ['left', 'right'])];
    case 17: {
      const keys = [pick(r, KEYS), pick(r, [...KEYS, 'str'])];
      return ['lmpop', '2', ...keys, pick(r, ['left', 'right']), ...(r.int(2) === 0 ? ['count', String(1 + r.int(3))] : [])];
    }
    case 18: return r.int(5) === 0 ? ['del', pick(r, KEYS)] : ['llen', key];
    default: return ['config', 'set', 'list-max-listpack-size', pick(r, ['-2', '4', '-1'])];
  }
}

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

for (const seed of [11, 12, 13]) {
  test(`lists behave like arrays (seed ${seed})`, async () => {
    const c = await RawClient.connect(floe.port);
    await c.call('flushall');
    await c.call('set', 'str', 'string value');
    c.close();
    await runProperty(floe.port, seed, 4000, new ListModel(), gen);
  });
}
