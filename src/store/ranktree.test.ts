// RankTree against a sorted array: random inserts and removes (enough to split and merge
// nodes on several levels), with every answer compared and the invariants checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, RankTree } from './ranktree.ts';
import { Xoshiro128 } from '../util/prng.ts';

type Pair = [number, string];

function lowerCount(model: Pair[], pred: (p: Pair) => boolean): number {
  let n = 0;
  while (n < model.length && pred(model[n] as Pair)) n++;
  return n;
}

function modelIndex(model: Pair[], s: number, m: string): number {
  let lo = 0;
  let hi = model.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = model[mid] as Pair;
    if (compareKeys(p[0], p[1], s, m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function run(seed: number, ops: number, keySpace: number): void {
  const r = new Xoshiro128(seed);
  const t = new RankTree();
  const model: Pair[] = [];
  const scoreOf = new Map<string, number>();
  for (let op = 0; op < ops; op++) {
    const m = `m${r.int(keySpace)}`;
    const score = r.int(50) - 25 + (r.next() < 0.2 ? 0.5 : 0);
    if (r.next() < 0.6) {
      const old = scoreOf.get(m);
      if (old !== undefined) {
        assert.equal(t.remove(old, m), true);
        model.splice(modelIndex(model, old, m), 1);
      }
      t.insert(score, m);
      scoreOf.set(m, score);
      model.splice(modelIndex(model, score, m), 0, [score, m]);
    } else {
      const old = scoreOf.get(m);
      assert.equal(t.remove(old ?? score, m), old !== undefined);
      if (old !== undefined) {
        scoreOf.delete(m);
        model.splice(modelIndex(model, old, m), 1);
      }
    }
    if (op % 97 === 0 || op === ops - 1) {
      t.check();
      assert.equal(t.size, model.length);
      for (let i = 0; i < model.length; i += 1 + (model.length >> 6)) {
        const [s, mm] = model[i] as Pair;
        assert.equal(t.rank(s, mm), i);
        assert.deepEqual(t.at(i), [mm, s]);
      }
      const q = r.int(50) - 25;
      assert.equal(t.countBelow(q, false), lowerCount(model, (p) => p[0] < q));
      assert.equal(t.countBelow(q, true), lowerCount(model, (p) => p[0] <= q));
      if (model.length > 0) {
        const a = r.int(model.length);
        const b = a + r.int(model.length - a);
        const got: Pair[] = [];
        t.range(a, b, false, (mm, s) => got.push([s, mm]));
        assert.deepEqual(got, model.slice(a, b + 1));
        const rev: Pair[] = [];
        t.range(a, b, true, (mm, s) => rev.push([s, mm]));
        assert.deepEqual(rev, model.slice(a, b + 1).reverse());
      }
    }
  }
}

test('rank tree matches a sorted array (small key space: churn in few leaves)', () => run(1, 3000, 150));
test('rank tree matches a sorted array (large key space: several levels)', () => run(2, 30000, 20000));

test('rank tree grows to many levels and shrinks back to one leaf', () => {
  const t = new RankTree();
  const n = 100_000;
  for (let i = 0; i < n; i++) t.insert(i % 1000, `m${i}`);
  t.check();
  assert.equal(t.size, n);
  assert.equal(t.countBelow(500, false), 500 * 100);
  assert.equal(t.countBelowLex('m5', false) >= 0, true);
  for (let i = 0; i < n; i++) if (i % 3 !== 0) assert.equal(t.remove(i % 1000, `m${i}`), true);
  t.check();
  for (let i = 0; i < n; i += 3) assert.equal(t.remove(i % 1000, `m${i}`), true);
  t.check();
  assert.equal(t.size, 0);
  assert.equal(t.remove(0, 'm0'), false);
});

test('lex counts with equal scores', () => {
  const t = new RankTree();
  const names = Array.from({ length: 500 }, (_, i) => `k${String(i).padStart(4, '0')}`);
  for (const m of names) t.insert(0, m);
  assert.equal(t.countBelowLex('k0100', false), 100);
  assert.equal(t.countBelowLex('k0100', true), 101);
  assert.equal(t.countBelowLex('a', true), 0);
  assert.equal(t.countBelowLex('z', false), 500);
});
