import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights } from './inflights.ts';

test('the window fills by count and by bytes and frees on acknowledgement', () => {
  const w = new Inflights(3, 100);
  w.add(5, 10);
  w.add(7, 10);
  assert.equal(w.full(), false);
  w.add(9, 10);
  assert.equal(w.full(), true); // three messages
  w.freeLE(6);
  assert.deepEqual([w.count, w.bytes, w.full()], [2, 20, false]);
  w.add(12, 90);
  assert.equal(w.full(), true); // 110 bytes ≥ 100
  w.freeLE(12);
  assert.deepEqual([w.count, w.bytes], [0, 0]);
  // The ring wraps around.
  for (let i = 20; i < 40; i++) {
    w.add(i, 1);
    w.freeLE(i);
  }
  assert.equal(w.count, 0);
});

test('adding to a full window or out of order is a bug', () => {
  const w = new Inflights(1, 100);
  w.add(5, 1);
  assert.throws(() => w.add(6, 1));
  const v = new Inflights(4, 100);
  v.add(5, 1);
  assert.throws(() => v.add(5, 1));
});
