// Property test for sets: seeded random SADD/SREM/SPOP/SMOVE/algebra sequences over integer
// and string members (so intset, listpack and hashtable encodings and their conversions all
// occur) against a Set model; random replies (SPOP, SRANDMEMBER) are checked for membership
// and size, and SPOP's choice is applied to the model.

import { after, before, test } from 'node:test';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import {
  arr, bulk, bulkItems, expect, expectUnordered, int, NIL, OK, pick, runProperty, WRONGTYPE, type Model,
} from './helpers/property.ts';
import { RawClient, show, type RespValue } from './helpers/resp.ts';
import type { Xoshiro128 } from '../src/util/prng.ts';

const KEYS = ['s0', 's1', 's2'];

class SetModel implements Model {
  readonly sets = new Map<string, Set<string>>();

  private get(key: string): Set<string> {
    return this.sets.get(key) ?? new Set();
  }

  private put(key: string, s: Set<string>): void {
    if (s.size === 0) this.sets.delete(key);
    else this.sets.set(key, s);
  }

  check(args: string[], got: RespValue): string | null {
    const [cmd, key = ''] = args as [string, string];
    if (cmd === 'config') return expect(got, OK);
    if (args.slice(1).includes('str') && cmd !== 'smove') return expect(got, WRONGTYPE);
    const s = this.get(key);
    const a = args.slice(2);
    switch (cmd) {
      case 'sadd': {
        let n = 0;
        for (const m of a) {
          if (s.has(m)) continue;
          s.add(m);
          n++;
        }
        this.put(key, s);
        return expect(got, int(n));
      }
      case 'srem': {
        let n = 0;
        for (const m of a) if (s.delete(m)) n++;
        this.put(key, s);
        return expect(got, int(n));
      }
      case 'sismember': return expect(got, int(s.has(a[0] as string) ? 1 : 0));
      case 'smismember': return expect(got, arr(a.map((m) => int(s.has(m) ? 1 : 0))));
      case 'scard': return expect(got, int(s.size));
      case 'smembers': return expectUnordered(got, [...s].map(bulk));
      case 'spop': return this.spop(key, s, a, got);
      case 'srandmember': return this.srandmember(s, a, got);
      case 'smove': return this.smove(key, a[0] as string, a[1] as string, got);
      case 'sinter': case 'sunion': case 'sdiff': return expectUnordered(got, [...this.algebra(cmd, args.slice(1))].map(bulk));
      case 'sinterstore': case 'sunionstore': case 'sdiffstore': {
        const r = this.algebra(cmd.replace('store', ''), args.slice(2));
        this.put(key, r);
        return expect(got, int(r.size));
      }
      case 'sintercard': return expect(got, int(this.algebra('sinter', args.slice(2, 2 + Number(args[1]))).size));
      case 'del': return expect(got, int(this.sets.delete(key) ? 1 : 0));
      default: return `model does not know ${cmd}`;
    }
  }

  private algebra(op: string, keys: string[]): Set<string> {
    const sets = keys.map((k) => this.get(k));
    const [first = new Set<string>(), ...rest] = sets;
    if (op === 'sunion') return new Set(sets.flatMap((x) => [...x]));
    if (op === 'sinter') return new Set([...first].filter((m) => rest.every((x) => x.has(m))));
    return new Set([...first].filter((m) => !rest.some((x) => x.has(m))));
  }

  private spop(key: string, s: Set<string>, a: string[], got: RespValue): string | null {
    if (a.length === 0) {
      if (s.size === 0) return expect(got, NIL);
      if (got.type !== 'bulk' || got.value === null || !s.delete(got.value)) return `SPOP gave a non-member ${show(got)}`;
      this.put(key, s);
      return null;
    }
    const items = bulkItems(got);
    const n = Math.min(Number(a[0]), s.size);
    if (items === null || items.length !== n || new Set(items).size !== n) return `SPOP ${a[0]}: bad reply ${show(got)}`;
    for (const m of items) if (!s.delete(m)) return `SPOP gave a non-member ${m}`;
    this.put(key, s);
    return null;
  }

  private srandmember(s: Set<string>, a: string[], got: RespValue): string | null {
    if (a.length === 0) {
      if (s.size === 0) return expect(got, NIL);
      return got.type === 'bulk' && got.value !== null && s.has(got.value) ? null : `not a member: ${show(got)}`;
    }
    const count = Number(a[0]);
    const items = bulkItems(got);
    const want = count >= 0 ? Math.min(count, s.size) : s.size === 0 ? 0 : -count;
    if (items === null || items.length !== want) return `SRANDMEMBER ${count}: expected ${want} members, got ${show(got)}`;
    if (count > 0 && new Set(items).size !== items.length) return 'repeated members with a positive count';
    return items.every((m) => s.has(m)) ? null : 'a non-member';
  }

  private smove(src: string, dst: string, m: string, got: RespValue): string | null {
    const s = this.get(src);
    if (src === 'str' || (s.size > 0 && dst === 'str')) return expect(got, s.size === 0 && src !== 'str' ? int(0) : WRONGTYPE);
    if (!s.has(m)) return expect(got, int(0));
    if (src === dst) return expect(got, int(1));
    s.delete(m);
    this.put(src, s);
    const d = this.get(dst);
    d.add(m);
    this.put(dst, d);
    return expect(got, int(1));
  }
}

function member(r: Xoshiro128): string {
  const k = r.int(20);
  if (k < 12) return String(r.int(40) - 10);
  if (k === 19 && r.int(4) === 0) return `long${r.int(3)}${'z'.repeat(70)}`;
  return `m${r.int(25)}`;
}

function gen(r: Xoshiro128): string[] {
  const key = pick(r, KEYS);
  const some = () => Array.from({ length: 1 + r.int(3) }, () => member(r));
  const keys = () => Array.from({ length: 1 + r.int(3) }, () => (r.int(40) === 0 ? 'str' : pick(r, KEYS)));
  switch (r.int(18)) {
    case 0: case 1: case 2: case 3: return ['sadd', key, ...some()];
    case 4: case 5: return ['srem', key, ...some()];
    case 6: return ['sismember', key, member(r)];
    case 7: return ['smismember', key, ...some()];
    case 8: return r.int(2) === 0 ? ['scard', key] : ['smembers', key];
    case 9: return ['spop', key, ...(r.int(2) === 0 ? [String(r.int(4))] : [])];
    case 10: return ['srandmember', key, ...(r.int(3) > 0 ? [String(r.int(10) - 4)] : [])];
    case 11: return ['smove', key, r.int(30) === 0 ? 'str' : pick(r, KEYS), member(r)];
    case 12: return [pick(r, ['sinter', 'sunion', 'sdiff']), ...keys()];
    case 13: return [pick(r, ['sinterstore', 'sunionstore', 'sdiffstore']), pick(r, KEYS), ...keys()];
    case 14: { const ks = keys(); return ['sintercard', String(ks.length), ...ks]; }
    case 15: return ['del', key];
    case 16: return ['config', 'set', pick(r, ['set-max-intset-entries', 'set-max-listpack-entries']), pick(r, ['3', '16', '128'])];
    default: return ['sadd', key, member(r)];
  }
}

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

for (const seed of [21, 22, 23]) {
  test(`sets behave like Sets (seed ${seed})`, async () => {
    const c = await RawClient.connect(floe.port);
    await c.call('flushall');
    await c.call('set', 'str', 'string value');
    c.close();
    await runProperty(floe.port, seed, 4000, new SetModel(), gen);
  });
}
