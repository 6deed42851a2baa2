// Unit tests for the collection value types: the packed encoding, SlotMap (random slots and
// the SCAN guarantee under churn), the list ring buffer against an array, and the encodings
// and conversions of hashes, sets and sorted sets with their memory estimates.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../util/prng.ts';
import { HashValue } from './hash.ts';
import { ENCODING_LIMITS_DEFAULT, type EncodingLimits } from './limits.ts';
import { ListValue } from './list.ts';
import { decode, encode, find } from './packed.ts';
import { SetValue } from './set.ts';
import { SlotMap } from './slotmap.ts';
import { ZSetValue } from './zset.ts';

const L = ENCODING_LIMITS_DEFAULT;

test('packed strings round-trip short, empty, binary and long (≥ 254 byte) elements', () => {
  const items = ['', 'a', 'x'.repeat(253), 'y'.repeat(254), 'z'.repeat(70000), '\u0000\u00ff\r\n', 'end'];
  const s = encode(items);
  assert.deepEqual(decode(s), items);
  assert.equal(find(s, 'y'.repeat(254), 1), 1 + 2 + 254);
  assert.equal(find(s, 'nope', 1), -1);
  // Stride 2 only looks at fields, never at values.
  assert.equal(find(encode(['f', 'v', 'v', 'w']), 'v', 2), 4);
});

test('SlotMap: random slots are live, and SCAN returns every element present throughout', () => {
  const r = new Xoshiro128(7);
  const m = new SlotMap<number>(true);
  for (let i = 0; i < 5000; i++) m.set(`k${i}`, i);
  const stable = new Set<string>();
  for (let i = 0; i < 5000; i += 2) stable.add(`k${i}`);
  const seen = new Set<string>();
  let cursor = 0;
  let round = 0;
  do {
    cursor = m.scan(cursor, 37, (k) => seen.add(k));
    // Churn between calls: delete odd keys (forcing compactions), add fewer new ones than a
    // call visits, so the scan reaches the end.
    for (let j = 0; j < 20; j++) {
      const odd = 2 * r.int(2500) + 1;
      m.delete(`k${odd}`);
      if (j < 10) m.set(`new${round}-${j}`, j);
    }
    round++;
  } while (cursor !== 0);
  for (const k of stable) assert.ok(seen.has(k), `SCAN missed ${k}`);
  for (let i = 0; i < 1000; i++) {
    const slot = m.randomSlot(r);
    assert.equal(m.get(m.keyAt(slot)), m.valAt(slot));
  }
});

test('ListValue matches an array under random pushes, pops, inserts, trims and removals', () => {
  const r = new Xoshiro128(3);
  const l = new ListValue();
  let model: string[] = [];
  for (let op = 0; op < 20000; op++) {
    const x = `e${r.int(20)}`;
    switch (r.int(9)) {
      case 0: case 1: l.pushBack(x); model.push(x); break;
      case 2: case 3: l.pushFront(x); model.unshift(x); break;
      case 4: assert.equal(l.popFront(), model.shift()); break;
      case 5: assert.equal(l.popBack(), model.pop()); break;
      case 6: {
        const i = r.int(model.length + 1);
        l.insertAt(i, x);
        model.splice(i, 0, x);
        break;
      }
      case 7: {
        const n = l.retain((y) => y !== x);
        assert.equal(n, model.filter((y) => y === x).length);
        model = model.filter((y) => y !== x);
        break;
      }
      default: if (model.length > 50) {
        const a = r.int(model.length);
        const b = a + r.int(model.length - a);
        l.trim(a, b);
        model = model.slice(a, b + 1);
      }
    }
    assert.equal(l.length, model.length);
  }
  assert.deepEqual(l.toArray(), model);
  if (model.length > 0) assert.deepEqual(l.range(0, model.length - 1), model);
});

test('list encoding: listpack until the size limit, quicklist after, back at half', () => {
  const limits: EncodingLimits = { ...L, listSize: 4 };
  const l = new ListValue();
  for (let i = 0; i < 4; i++) {
    l.willGrow(1, 1, limits);
    l.pushBack('x');
  }
  assert.equal(l.encoding(), 'listpack');
  l.willGrow(1, 1, limits);
  l.pushBack('x');
  assert.equal(l.encoding(), 'quicklist');
  l.popBack();
  l.popBack();
  l.shrunk(limits);
  assert.equal(l.encoding(), 'quicklist');
  l.popBack();
  l.shrunk(limits);
  assert.equal(l.encoding(), 'listpack');
  // Size-based limit (-2: 8 KiB).
  const big = new ListValue();
  big.willGrow(9000, 1, L);
  big.pushBack('x'.repeat(9000));
  assert.equal(big.encoding(), 'quicklist');
});

test('hash: listpack to hashtable on entries or value length, memory estimate tracks changes', () => {
  const limits: EncodingLimits = { ...L, hashEntries: 8 };
  const h = new HashValue();
  const empty = h.memoryBytes();
  for (let i = 0; i < 8; i++) assert.equal(h.set(`f${i}`, `v${i}`, limits), true);
  assert.equal(h.encoding(), 'listpack');
  assert.equal(h.set('f0', 'changed', limits), false);
  assert.equal(h.get('f0'), 'changed');
  h.set('f8', 'v8', limits);
  assert.equal(h.encoding(), 'hashtable');
  assert.equal(h.size(), 9);
  assert.deepEqual(h.flat().slice(0, 4), ['f0', 'changed', 'f1', 'v1']);
  const withAll = h.memoryBytes();
  h.set('big', 'x'.repeat(10000), limits);
  assert.ok(h.memoryBytes() >= withAll + 10000);
  h.delete('big');
  assert.equal(h.memoryBytes(), withAll);
  for (let i = 0; i <= 8; i++) h.delete(`f${i}`);
  assert.equal(h.size(), 0);
  assert.ok(h.memoryBytes() <= empty);
  const wide = new HashValue();
  wide.set('f', 'x'.repeat(65), L);
  assert.equal(wide.encoding(), 'hashtable');
  const c = h.clone();
  c.set('only-in-clone', '1', L);
  assert.equal(h.has('only-in-clone'), false);
});

test('set: intset, listpack and hashtable as Redis 7.2 converts them', () => {
  const s = SetValue.create('1', 3, L);
  assert.equal(s.encoding(), 'intset');
  for (const m of ['3', '1', '-2', '10']) s.add(m, L);
  assert.deepEqual(s.members(), ['-2', '1', '3', '10']);
  assert.equal(s.has('01'), false);
  assert.equal(s.add('word', L), true);
  assert.equal(s.encoding(), 'listpack');
  assert.equal(s.has('3'), true);
  s.add('y'.repeat(65), L);
  assert.equal(s.encoding(), 'hashtable');
  const many = SetValue.create('1', 1, { ...L, setIntsetEntries: 4 });
  for (let i = 0; i < 5; i++) many.add(String(i), { ...L, setIntsetEntries: 4 });
  assert.equal(many.encoding(), 'hashtable');
  assert.equal(SetValue.create('a', 200, L).encoding(), 'hashtable');
  assert.equal(SetValue.create('9007199254740993', 1, L).encoding(), 'listpack');
  const r = new Xoshiro128(1);
  const seen = new Set<string>();
  while (s.size() > 0) seen.add(s.pop(r));
  assert.equal(seen.size, 6);
});

test('sorted set: listpack order and conversion to the table form keep every answer', () => {
  const limits: EncodingLimits = { ...L, zsetEntries: 16 };
  const small = ZSetValue.create(1, 1, limits);
  const big = ZSetValue.create(1000, 1, limits);
  assert.equal(small.encoding(), 'listpack');
  assert.equal(big.encoding(), 'skiplist');
  const r = new Xoshiro128(9);
  for (let i = 0; i < 300; i++) {
    const m = `m${r.int(40)}`;
    const score = r.int(10) - 5 + (r.int(2) === 0 ? 0.5 : 0);
    if (r.int(4) === 0) assert.equal(small.delete(m), big.delete(m));
    else assert.equal(small.set(m, score, limits), big.set(m, score, L));
    assert.equal(small.size(), big.size());
    for (const q of [-3, 0, 2.5]) {
      for (const inclusive of [false, true]) assert.equal(small.countBelow(q, inclusive), big.countBelow(q, inclusive));
    }
    assert.equal(small.rank(m), big.rank(m));
    assert.equal(small.score(m), big.score(m));
  }
  const a: string[] = [];
  const b: string[] = [];
  if (small.size() > 0) {
    small.range(0, small.size() - 1, true, (m, s) => a.push(`${m}:${s}`));
    big.range(0, big.size() - 1, true, (m, s) => b.push(`${m}:${s}`));
  }
  assert.deepEqual(a, b);
  big.shrinkToFit(L);
  assert.equal(big.encoding(), 'listpack');
  assert.equal(big.rank(small.at(0)[0]), 0);
});

test('sorted set memory estimate returns to its value after add and remove', () => {
  const z = ZSetValue.create(200, 1, L);
  for (let i = 0; i < 200; i++) z.set(`m${i}`, i, L);
  const before = z.memoryBytes();
  z.set('extra', 1.5, L);
  assert.ok(z.memoryBytes() > before);
  z.delete('extra');
  assert.equal(z.memoryBytes(), before);
  const c = z.clone();
  c.delete('m0');
  assert.equal(z.size(), 200);
  assert.equal(c.size(), 199);
});
