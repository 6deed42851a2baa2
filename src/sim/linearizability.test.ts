// Tests of the linearizability checker on hand-written histories whose verdict is known.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../util/prng.ts';
import { checkHistory, formatOperation, type Operation } from './linearizability.ts';

let clientSeq = 0;
function put(key: string, value: string, call: number, ret: number, clientId = clientSeq++): Operation {
  return { clientId, op: 'put', key, value, call, ret, output: null };
}
function get(key: string, output: string | null, call: number, ret: number, clientId = clientSeq++): Operation {
  return { clientId, op: 'get', key, value: null, call, ret, output, readMode: 'read-index' };
}

test('empty history and sequential history are linearizable', () => {
  assert.equal(checkHistory([]).verdict, 'ok');
  const h = [put('x', 'a', 0, 1), get('x', 'a', 2, 3), put('x', 'b', 4, 5), get('x', 'b', 6, 7)];
  assert.equal(checkHistory(h).verdict, 'ok');
});

test('a read of an absent key before any write returns nil', () => {
  assert.equal(checkHistory([get('x', null, 0, 1), put('x', 'a', 2, 3)]).verdict, 'ok');
  assert.equal(checkHistory([put('x', 'a', 0, 1), get('x', null, 2, 3)]).verdict, 'illegal');
});

test('stale read after a completed overwrite is illegal', () => {
  const h = [put('x', 'a', 0, 1), put('x', 'b', 2, 3), get('x', 'a', 4, 5)];
  const r = checkHistory(h);
  assert.equal(r.verdict, 'illegal');
  assert.equal(r.key, 'x');
  assert.ok(r.operations !== undefined && r.operations.length === 3);
});

test('read of a never-written value is illegal', () => {
  const h = [put('x', 'a', 0, 10), get('x', 'zzz', 2, 3)];
  assert.equal(checkHistory(h).verdict, 'illegal');
});

test('lost write: a read after an acknowledged write sees the older value', () => {
  const h = [put('x', 'a', 0, 1), put('x', 'b', 2, 3), get('x', 'b', 4, 5), get('x', 'a', 6, 7)];
  assert.equal(checkHistory(h).verdict, 'illegal');
});

test('a read concurrent with a write may see either value', () => {
  const base = [put('x', 'a', 0, 1), put('x', 'b', 2, 10)];
  assert.equal(checkHistory([...base, get('x', 'a', 3, 4)]).verdict, 'ok');
  assert.equal(checkHistory([...base, get('x', 'b', 3, 4)]).verdict, 'ok');
});

test('two reads concurrent with a write must not go back in time', () => {
  // Both reads overlap the write, but the second starts after the first returned: once a
  // reader has seen b, a later reader may not see a.
  const h = [put('x', 'a', 0, 1), put('x', 'b', 2, 20), get('x', 'b', 3, 4), get('x', 'a', 5, 6)];
  assert.equal(checkHistory(h).verdict, 'illegal');
  const ok = [put('x', 'a', 0, 1), put('x', 'b', 2, 20), get('x', 'a', 3, 4), get('x', 'b', 5, 6)];
  assert.equal(checkHistory(ok).verdict, 'ok');
});

test('concurrent writes may be ordered either way, but consistently', () => {
  const w = [put('x', 'a', 0, 10), put('x', 'b', 1, 11)];
  assert.equal(checkHistory([...w, get('x', 'a', 12, 13)]).verdict, 'ok');
  assert.equal(checkHistory([...w, get('x', 'b', 12, 13)]).verdict, 'ok');
  assert.equal(checkHistory([...w, get('x', 'b', 12, 13), get('x', 'a', 14, 15)]).verdict, 'illegal');
});

test('a write that never returned may take effect late, or never', () => {
  const pending = put('x', 'b', 2, Infinity);
  assert.equal(checkHistory([put('x', 'a', 0, 1), pending, get('x', 'a', 5, 6)]).verdict, 'ok');
  assert.equal(checkHistory([put('x', 'a', 0, 1), pending, get('x', 'b', 5, 6)]).verdict, 'ok');
  assert.equal(checkHistory([put('x', 'a', 0, 1), pending, get('x', 'b', 5, 6), get('x', 'a', 7, 8)]).verdict, 'illegal');
  // It still cannot take effect before it was called.
  assert.equal(checkHistory([put('x', 'a', 0, 1), get('x', 'b', 2, 3), put('x', 'b', 4, Infinity)]).verdict, 'illegal');
});

test('a read that never returned constrains nothing', () => {
  const h = [put('x', 'a', 0, 1), get('x', 'nonsense', 2, Infinity)];
  assert.equal(checkHistory(h).verdict, 'ok');
});

test('keys are independent (P-compositionality)', () => {
  const h = [put('x', 'a', 0, 1), put('y', 'b', 2, 3), get('x', 'a', 4, 5), get('y', 'b', 6, 7)];
  assert.equal(checkHistory(h).verdict, 'ok');
  const bad = [...h, get('y', 'a', 8, 9)];
  const r = checkHistory(bad);
  assert.equal(r.verdict, 'illegal');
  assert.equal(r.key, 'y');
});

test('lease and ReadIndex reads are held to the same standard', () => {
  const h: Operation[] = [put('x', 'a', 0, 1), put('x', 'b', 2, 3), { ...get('x', 'a', 4, 5), readMode: 'lease' }];
  assert.equal(checkHistory(h).verdict, 'illegal');
  const line = formatOperation(h[2] as Operation);
  assert.match(line, /get x -> a \(lease\)/);
});

test('the step budget gives unknown instead of hanging', () => {
  // Many fully concurrent writes and no reads that pin them down: the memo keeps this
  // polynomial, but a budget of 10 steps cannot finish it.
  const h: Operation[] = [];
  for (let i = 0; i < 12; i++) h.push(put('x', `v${i}`, i, 100 + i));
  h.push(get('x', 'v3', 200, 201));
  assert.equal(checkHistory(h, 10).verdict, 'unknown');
  assert.equal(checkHistory(h).verdict, 'ok');
});

/** A random history produced by a real sequential register: always linearizable. */
function randomLinearizableHistory(seed: number, opsCount: number): Operation[] {
  const rng = new Xoshiro128(seed);
  const value = new Map<string, string | null>();
  const history: Operation[] = [];
  // Each op takes effect at a distinct instant `at`; its call is before and return after it,
  // which gives random overlaps while a linearization (order of `at`) exists by construction.
  for (let i = 0; i < opsCount; i++) {
    const at = i * 10 + 5;
    const call = at - 1 - rng.int(40);
    const ret = rng.int(10) === 0 ? Infinity : at + 1 + rng.int(40);
    const key = `k${rng.int(3)}`;
    if (rng.int(2) === 0) {
      value.set(key, `v${i}`);
      history.push(put(key, `v${i}`, call, ret));
    } else {
      history.push(get(key, value.get(key) ?? null, call, ret));
    }
  }
  return history;
}

test('random histories from a sequential register are linearizable; corrupted ones mostly not', () => {
  let caught = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const h = randomLinearizableHistory(seed, 60);
    assert.equal(checkHistory(h).verdict, 'ok', `seed ${seed}`);
    // Corrupt one completed read to a value never written: always illegal.
    const i = h.findIndex((op) => op.op === 'get' && op.ret !== Infinity);
    if (i < 0) continue;
    const bad = h.map((op, j) => (j === i ? { ...op, output: 'never-written' } : op));
    assert.equal(checkHistory(bad).verdict, 'illegal', `seed ${seed}`);
    caught++;
  }
  assert.ok(caught > 150);
});

/** Exhaustive reference: try every order that respects real time. Only for tiny histories. */
function bruteForceLinearizable(ops: Operation[]): boolean {
  const live = ops.filter((op) => !(op.op === 'get' && op.ret === Infinity));
  const used = new Array<boolean>(live.length).fill(false);
  const search = (state: string | null, done: number): boolean => {
    if (done === live.length) return true;
    for (let i = 0; i < live.length; i++) {
      const op = live[i] as Operation;
      if (used[i] === true) continue;
      // op may go next only if no other remaining op returned before op was called.
      const blocked = live.some((o, j) => j !== i && used[j] !== true && o.ret < op.call);
      if (blocked) continue;
      if (op.op === 'get' && op.output !== state) continue;
      used[i] = true;
      const ok = search(op.op === 'put' ? op.value : state, done + 1);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(null, 0);
}

test('agrees with an exhaustive search on small random histories', () => {
  const rng = new Xoshiro128(99);
  let illegal = 0;
  for (let n = 0; n < 3000; n++) {
    const ops: Operation[] = [];
    const count = 1 + rng.int(7);
    for (let i = 0; i < count; i++) {
      const call = rng.int(20);
      const ret = rng.int(8) === 0 ? Infinity : call + 1 + rng.int(10);
      if (rng.int(2) === 0) ops.push(put('x', `v${i}`, call, ret));
      else ops.push(get('x', rng.int(3) === 0 ? null : `v${rng.int(count)}`, call, ret));
    }
    const expected = bruteForceLinearizable(ops);
    if (!expected) illegal++;
    assert.equal(checkHistory(ops).verdict, expected ? 'ok' : 'illegal', JSON.stringify(ops));
  }
  assert.ok(illegal > 300 && illegal < 2700, `a mix of verdicts (${illegal} illegal)`);
});
