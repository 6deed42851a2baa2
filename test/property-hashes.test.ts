// Property test for hashes: seeded random HSET/HDEL/HINCRBY/... sequences (small and large
// hashes, conversions between encodings, a string key for WRONGTYPE) against a Map model;
// every reply is compared.

import { after, before, test } from 'node:test';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import {
  arr, bulk, bulkItems, expect, expectUnordered, int, NIL, OK, pick, randomName, runProperty, WRONGTYPE, type Model,
} from './helpers/property.ts';
import { show, type RespValue } from './helpers/resp.ts';
import type { Xoshiro128 } from '../src/util/prng.ts';

const KEYS = ['h0', 'h1', 'h2', 'str'];
const FIELDS = 30;

class HashModel implements Model {
  readonly hashes = new Map<string, Map<string, string>>();

  private hash(key: string): Map<string, string> | undefined {
    return this.hashes.get(key);
  }

  check(args: string[], got: RespValue): string | null {
    const [cmd, key = ''] = args as [string, string];
    if (cmd === 'config') return expect(got, OK);
    if (key === 'str') return expect(got, WRONGTYPE);
    const h = this.hash(key);
    const a = args.slice(2);
    switch (cmd) {
      case 'hset': {
        const m = h ?? new Map<string, string>();
        let added = 0;
        for (let i = 0; i < a.length; i += 2) {
          if (!m.has(a[i] as string)) added++;
          m.set(a[i] as string, a[i + 1] as string);
        }
        this.hashes.set(key, m);
        return expect(got, int(added));
      }
      case 'hsetnx': {
        if (h?.has(a[0] as string) === true) return expect(got, int(0));
        const m = h ?? new Map<string, string>();
        m.set(a[0] as string, a[1] as string);
        this.hashes.set(key, m);
        return expect(got, int(1));
      }
      case 'hget': return expect(got, bulk(h?.get(a[0] as string) ?? null));
      case 'hmget': return expect(got, arr(a.map((f) => bulk(h?.get(f) ?? null))));
      case 'hdel': {
        let n = 0;
        for (const f of a) if (h?.delete(f) === true) n++;
        if (h?.size === 0) this.hashes.delete(key);
        return expect(got, int(n));
      }
      case 'hexists': return expect(got, int(h?.has(a[0] as string) === true ? 1 : 0));
      case 'hlen': return expect(got, int(h?.size ?? 0));
      case 'hstrlen': return expect(got, int(h?.get(a[0] as string)?.length ?? 0));
      case 'hkeys': return expectUnordered(got, [...(h?.keys() ?? [])].map(bulk));
      case 'hvals': return expectUnordered(got, [...(h?.values() ?? [])].map(bulk));
      case 'hgetall': return this.checkPairs(bulkItems(got), h);
      case 'hscan': {
        if (got.type !== 'array' || got.value?.[0]?.type !== 'bulk' || got.value[0].value !== '0') return `bad HSCAN reply ${show(got)}`;
        return this.checkPairs(bulkItems(got.value[1] as RespValue), h);
      }
      case 'hincrby': return this.incr(key, h, a[0] as string, a[1] as string, got);
      case 'hrandfield': return this.checkRandom(h, a, got);
      case 'del': return expect(got, int(this.hashes.delete(key) ? 1 : 0));
      case 'exists': return expect(got, int(this.hashes.has(key) ? 1 : 0));
      default: return `model does not know ${cmd}`;
    }
  }

  private checkPairs(items: string[] | null, h: Map<string, string> | undefined): string | null {
    if (items === null) return 'expected an array of bulk strings';
    const pairs: string[] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push(`${items[i]}=${items[i + 1]}`);
    const want = [...(h?.entries() ?? [])].map(([f, v]) => `${f}=${v}`);
    return JSON.stringify(pairs.sort()) === JSON.stringify(want.sort()) ? null : `pairs ${pairs.join(',')} != ${want.join(',')}`;
  }

  private incr(key: string, h: Map<string, string> | undefined, f: string, by: string, got: RespValue): string | null {
    const cur = h?.get(f);
    if (cur !== undefined && !/^-?(0|[1-9][0-9]*)$/.test(cur)) return expect(got, '-ERR hash value is not an integer');
    const next = BigInt(cur ?? '0') + BigInt(by);
    const m = h ?? new Map<string, string>();
    m.set(f, next.toString());
    this.hashes.set(key, m);
    return expect(got, int(next));
  }

  private checkRandom(h: Map<string, string> | undefined, a: string[], got: RespValue): string | null {
    if (a.length === 0) {
      if (h === undefined) return expect(got, NIL);
      return got.type === 'bulk' && got.value !== null && h.has(got.value) ? null : `not a field: ${show(got)}`;
    }
    const count = Number(a[0]);
    const withValues = a.length === 2;
    const items = bulkItems(got);
    if (items === null) return `expected an array, got ${show(got)}`;
    const fields = withValues ? items.filter((_, i) => i % 2 === 0) : items;
    const size = h?.size ?? 0;
    const wantLen = count >= 0 ? Math.min(count, size) : size === 0 ? 0 : -count;
    if (fields.length !== wantLen) return `expected ${wantLen} fields, got ${fields.length}`;
    if (count > 0 && new Set(fields).size !== fields.length) return 'repeated fields with a positive count';
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as string;
      if (h?.has(f) !== true) return `not a field: ${f}`;
      if (withValues && items[2 * i + 1] !== h.get(f)) return `wrong value for ${f}`;
    }
    return null;
  }
}

function value(r: Xoshiro128): string {
  const k = r.int(10);
  if (k < 4) return String(r.int(100) - 50);
  if (k === 9 && r.int(8) === 0) return 'v'.repeat(70);
  return `v${r.int(1000)}`;
}

function gen(r: Xoshiro128): string[] {
  const key = pick(r, KEYS);
  const field = () => randomName(r, FIELDS, 60);
  switch (r.int(18)) {
    case 0: case 1: case 2: return ['hset', key, field(), value(r), ...(r.int(3) === 0 ? [field(), value(r)] : [])];
    case 3: return ['hsetnx', key, field(), value(r)];
    case 4: return ['hget', key, field()];
    case 5: return ['hmget', key, field(), field()];
    case 6: case 7: return ['hdel', key, field(), ...(r.int(2) === 0 ? [field()] : [])];
    case 8: return ['hexists', key, field()];
    case 9: return ['hlen', key];
    case 10: return ['hstrlen', key, field()];
    case 11: return pick(r, [['hkeys', key], ['hvals', key], ['hgetall', key], ['hscan', key, '0', 'count', '1000']]);
    case 12: return ['hincrby', key, field(), String(r.int(21) - 10)];
    case 13: return r.int(2) === 0 ? ['hrandfield', key] : ['hrandfield', key, String(r.int(12) - 5), ...(r.int(2) === 0 ? ['withvalues'] : [])];
    case 14: return [r.int(4) === 0 ? 'del' : 'exists', pick(r, KEYS.slice(0, -1))];
    case 15: return ['config', 'set', 'hash-max-listpack-entries', pick(r, ['4', '16', '128'])];
    default: return ['hset', key, field(), value(r)];
  }
}

let floe: FloeProcess;
before(async () => {
  floe = await startFloe();
});
after(async () => {
  await floe?.stop();
});

for (const seed of [1, 2, 3]) {
  test(`hashes behave like a Map of Maps (seed ${seed})`, async () => {
    const model = new HashModel();
    const c = await import('./helpers/resp.ts').then((m) => m.RawClient.connect(floe.port));
    await c.call('flushall');
    await c.call('set', 'str', 'string value');
    c.close();
    await runProperty(floe.port, seed, 4000, model, gen);
  });
}
