import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftLog } from './log.ts';
import { emptyConfState } from './confchange.ts';
import type { Entry } from './types.ts';

const e = (index: number, term: number, data = ''): Entry => ({ group: 1, index, term, type: 'normal', data: new TextEncoder().encode(data) });

test('append truncates at the first conflict and keeps matching entries', () => {
  const log = new RaftLog(null, [e(1, 1), e(2, 1), e(3, 2)], 1, 1);
  assert.equal(log.maybeAppend(1, 1, [e(2, 1), e(3, 3), e(4, 3)]), 4);
  assert.deepEqual([2, 3, 4].map((i) => log.term(i)), [1, 3, 3]);
  assert.equal(log.stableIndex, 2); // the rewritten tail must be persisted again
  assert.equal(log.maybeAppend(4, 2, []), null); // mismatch at 4
  assert.equal(log.maybeAppend(2, 1, [e(3, 3)]), 3); // a stale, shorter append truncates nothing
  assert.equal(log.lastIndex(), 4);
});

test('a conflict at or below the commit index is a broken invariant', () => {
  const log = new RaftLog(null, [e(1, 1), e(2, 1)], 2, 0);
  assert.throws(() => log.maybeAppend(1, 1, [e(2, 2)]));
});

test('findConflictByTerm skips every entry of a higher term', () => {
  const log = new RaftLog(null, [e(1, 1), e(2, 2), e(3, 2), e(4, 4), e(5, 4)], 0, 0);
  assert.deepEqual(log.findConflictByTerm(5, 3), { index: 3, term: 2 });
  assert.deepEqual(log.findConflictByTerm(9, 4), { index: 5, term: 4 });
  assert.deepEqual(log.findConflictByTerm(5, 0), { index: 0, term: 0 });
});

test('slices respect the byte cap but hold at least one entry', () => {
  const log = new RaftLog(null, [e(1, 1, 'aaaa'), e(2, 1, 'bbbb'), e(3, 1, 'cccc')], 0, 0);
  assert.equal(log.slice(1, 4, 40).length, 2); // 20 bytes each
  assert.equal(log.slice(1, 4, 1).length, 1);
  assert.equal(log.slice(1, 4, Infinity).length, 3);
});

test('compaction and restore move the snapshot point', () => {
  const log = new RaftLog(null, [e(1, 1), e(2, 1), e(3, 2), e(4, 2)], 3, 3);
  log.compact({ group: 1, index: 2, term: 1, confState: emptyConfState, data: new Uint8Array(0) });
  assert.deepEqual([log.firstIndex(), log.lastIndex(), log.term(2), log.term(1)], [3, 4, 1, null]);
  assert.throws(() => log.compact({ group: 1, index: 4, term: 2, confState: emptyConfState, data: new Uint8Array(0) })); // beyond applied
  log.restore({ group: 1, index: 10, term: 5, confState: emptyConfState, data: new Uint8Array(0) });
  assert.deepEqual([log.firstIndex(), log.lastIndex(), log.committed, log.lastTerm()], [11, 10, 10, 5]);
  assert.notEqual(log.pendingSnapshot, null);
  log.checkInvariants();
});

test('up-to-date comparison: last term first, then length', () => {
  const log = new RaftLog(null, [e(1, 1), e(2, 3)], 0, 0);
  assert.equal(log.isUpToDate(1, 4), true);
  assert.equal(log.isUpToDate(2, 3), true);
  assert.equal(log.isUpToDate(1, 3), false);
  assert.equal(log.isUpToDate(9, 2), false);
});
