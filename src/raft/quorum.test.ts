import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jointCommitted, jointVote, majorityCommitted, majorityVote } from './quorum.ts';

test('majority committed index is the one held by a majority', () => {
  const acked = new Map([[1, 5], [2, 3], [3, 9], [4, 1], [5, 4]]);
  const f = (id: number) => acked.get(id) ?? 0;
  assert.equal(majorityCommitted([1, 2, 3], f), 5);
  assert.equal(majorityCommitted([1, 2, 3, 4], f), 3); // needs 3 of 4
  assert.equal(majorityCommitted([1, 2, 3, 4, 5], f), 4);
  assert.equal(majorityCommitted([3], f), 9);
});

test('joint committed index needs both halves; empty halves impose nothing', () => {
  const acked = new Map([[1, 5], [2, 3], [3, 9], [4, 1]]);
  const f = (id: number) => acked.get(id) ?? 0;
  assert.equal(jointCommitted([1, 2, 3], [], f), 5);
  assert.equal(jointCommitted([1, 3], [2, 4], f), 1);
  assert.equal(jointCommitted([], [], f), 0);
});

test('votes: won, lost, pending, in one and in joint configurations', () => {
  const v = (entries: [number, boolean][]) => new Map(entries);
  assert.equal(majorityVote([1, 2, 3], v([[1, true], [2, true]])), 'won');
  assert.equal(majorityVote([1, 2, 3], v([[1, true], [2, false]])), 'pending');
  assert.equal(majorityVote([1, 2, 3], v([[2, false], [3, false]])), 'lost');
  assert.equal(jointVote([1, 2, 3], [3, 4, 5], v([[1, true], [2, true]])), 'pending');
  assert.equal(jointVote([1, 2, 3], [3, 4, 5], v([[1, true], [3, true], [4, true]])), 'won');
  assert.equal(jointVote([1, 2, 3], [3, 4, 5], v([[1, true], [2, true], [4, false], [5, false]])), 'lost');
});
