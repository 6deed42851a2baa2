import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from './prng.ts';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Xoshiro128(42);
  const b = new Xoshiro128(42);
  const c = new Xoshiro128(43);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  const sb = Array.from({ length: 8 }, () => b.nextUint32());
  const sc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('int(n) stays in range and covers it', () => {
  const r = new Xoshiro128(7);
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const v = r.int(10);
    assert.ok(v >= 0 && v < 10 && Number.isInteger(v));
    seen.add(v);
  }
  assert.equal(seen.size, 10);
});
