// Unit tests of the simulator's parts: the agenda, the simulated disk (unsynced writes lost,
// torn tail, snapshots), the network's links, the KV state machine, and the safety checker on
// hand-made violations (so that a silent checker cannot pass the whole-run tests vacuously).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../util/prng.ts';
import type { ConfState, Entry, Message, Ready, Status } from '../raft/types.ts';
import { EventQueue } from './event_queue.ts';
import { SimDisk } from './disk.ts';
import { VirtualNetwork } from './network.ts';
import { KvStateMachine, decodePut, encodePut } from './kv.ts';
import { InvariantViolation, SafetyChecker, type CheckedNode } from './invariants.ts';

const conf: ConfState = { voters: [1, 2, 3], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };

function entry(index: number, term: number, data = ''): Entry {
  return { group: 7, index, term, type: 'normal', data: new TextEncoder().encode(data) };
}

test('agenda pops by time, then in scheduling order', () => {
  const q = new EventQueue<string>(100);
  q.push(5, 'c');
  q.push(1, 'a');
  q.push(5, 'd');
  q.push(3, 'b');
  const out: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.value);
  assert.deepEqual(out, ['a', 'b', 'c', 'd']);
  assert.throws(() => {
    const small = new EventQueue<number>(1);
    small.push(1, 1);
    small.push(2, 2);
  }, /event queue full/);
});

test('disk: synced writes survive a crash, unsynced ones survive only as a prefix', () => {
  const rng = new Xoshiro128(5);
  let sawPartial = false;
  let sawTorn = false;
  for (let i = 0; i < 50; i++) {
    const disk = new SimDisk();
    disk.write(null, [entry(1, 1), entry(2, 1)], { term: 1, vote: 1, commit: 1 });
    disk.sync();
    disk.write(null, [entry(3, 2), entry(4, 2)], { term: 2, vote: 2, commit: 2 });
    const loss = disk.crash(rng);
    const n = disk.entries().length;
    assert.ok(n >= 2 && n <= 4, 'synced entries stay, unsynced are a prefix');
    assert.equal(n + (disk.hardState().term === 2 ? 1 : 0), 5 - loss.lost, 'what was lost is a suffix of the writes');
    // The hard state comes last in the Ready: it survives only if every entry before it did.
    if (disk.hardState().term === 2) assert.equal(n, 4);
    if (loss.lost > 0 && n > 2) sawPartial = true;
    if (loss.torn) sawTorn = true;
  }
  assert.ok(sawPartial && sawTorn, 'some crashes kept part of the unsynced writes, some tore the last one');
});

test('disk: an append truncates a conflicting suffix; a snapshot drops the log it covers', () => {
  const disk = new SimDisk();
  disk.write(null, [entry(1, 1), entry(2, 1), entry(3, 1)], null);
  disk.write(null, [entry(2, 2)], null);
  disk.sync();
  assert.deepEqual(disk.entries().map((e) => `${e.index}/${e.term}`), ['1/1', '2/2']);
  disk.write({ group: 7, index: 1, term: 1, confState: conf, data: new Uint8Array() }, [], null);
  disk.sync();
  assert.deepEqual(disk.entries().map((e) => `${e.index}/${e.term}`), ['2/2']);
  // A snapshot whose last entry does not match the log replaces all of it.
  disk.write({ group: 7, index: 5, term: 3, confState: conf, data: new Uint8Array() }, [], null);
  disk.sync();
  assert.equal(disk.entries().length, 0);
  assert.equal(disk.snapshot()?.index, 5);
  assert.equal(disk.lastIndex(), 5);
});

test('network: partitions and one-way cuts drop messages; heal restores them', () => {
  const net = new VirtualNetwork(new Xoshiro128(1));
  net.partition([[1, 2], [3]]);
  assert.deepEqual(net.route(1, 3, 0), []);
  assert.deepEqual(net.route(3, 2, 0), []);
  assert.equal(net.route(1, 2, 0).length, 1);
  net.heal();
  net.cutOneWay(1, 2);
  assert.deepEqual(net.route(1, 2, 0), []);
  assert.equal(net.route(2, 1, 0).length, 1);
  // A message routed before a cut is dropped on arrival.
  net.heal();
  assert.equal(net.route(2, 3, 0).length, 1);
  net.isolate(3, [1, 2, 3]);
  assert.equal(net.arrive(2, 3), false);
});

test('network: loss, duplication and delay stay within the drawn levels', () => {
  const net = new VirtualNetwork(new Xoshiro128(2));
  net.faults = { lossRate: 0.3, duplicateRate: 0.1, delayMsCeiling: 50 };
  let lost = 0;
  let dup = 0;
  for (let i = 0; i < 10_000; i++) {
    const times = net.route(1, 2, 1000);
    if (times.length === 0) lost++;
    if (times.length === 2) dup++;
    for (const t of times) assert.ok(t >= 1001 && t <= 1050);
  }
  assert.ok(lost > 2500 && lost < 3500, `lost ${lost}`);
  assert.ok(dup > 400 && dup < 1000, `duplicated ${dup}`);
});

test('kv: puts apply in order, count applications, snapshot round-trips', () => {
  const kv = new KvStateMachine();
  kv.apply(1, undefined);
  kv.apply(2, decodePut(encodePut({ opId: 7, clientId: 1, key: 'k', value: 'v7' })));
  assert.equal(kv.get('k'), 'v7');
  assert.throws(() => kv.apply(4, undefined), /out of order/);
  const copy = new KvStateMachine();
  copy.restore(kv.snapshot(), 2);
  assert.equal(copy.get('k'), 'v7');
  assert.equal(copy.applyCounts.get(7), 1);
  assert.equal(copy.appliedIndex, 2);
});

/** A fake node for the checker: status and log are whatever the test says. */
function fakeNode(id: number, over: Partial<Status>, log: Entry[] = []): CheckedNode {
  const status: Status = {
    group: 7, id, role: 'follower', term: 1, vote: 0, leader: 0, commit: 0, applied: 0, firstIndex: 1,
    lastIndex: log.length, snapshotIndex: 0, confState: conf, leadTransferee: 0, progress: null, ...over,
  };
  return {
    id, lives: 0, status: () => status, appliedIndex: () => status.applied,
    termAt: (i) => (i === 0 ? 0 : (log[i - 1]?.term ?? null)),
    entryAt: (i) => log[i - 1],
  };
}

function ready(entries: Entry[]): Ready {
  return { group: 7, softState: null, hardState: null, snapshot: null, entries, messages: [], committed: [], readStates: [], mustSync: true };
}

function voteResp(from: number, to: number, term: number): Message {
  return { type: 'vote-resp', group: 7, from, to, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, seq: 0, transfer: false, offset: 0, snapshot: null };
}

function violation(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvariantViolation) return err.invariant;
    throw err;
  }
  return 'none';
}

test('checker: two leaders in one term, or two votes by one node in one term', () => {
  const c = new SafetyChecker();
  const a = fakeNode(1, { role: 'leader', term: 2 });
  const b = fakeNode(2, { role: 'leader', term: 2 });
  c.booted(a, 0, 0, 0);
  c.booted(b, 0, 0, 0);
  assert.equal(violation(() => c.afterStep([a, b])), 'election safety');
  const v = new SafetyChecker();
  const n = fakeNode(3, {});
  v.booted(n, 0, 0, 0);
  v.sent(n, voteResp(3, 1, 5));
  v.sent(n, voteResp(3, 1, 5)); // the same vote again is fine
  assert.equal(violation(() => v.sent(n, voteResp(3, 2, 5))), 'election safety');
});

test('checker: log matching, state machine safety, monotonicity, bounds', () => {
  const c = new SafetyChecker();
  const a = fakeNode(1, {}, [entry(1, 1, 'x')]);
  const b = fakeNode(2, {}, [entry(1, 1, 'y')]);
  c.booted(a, 0, 0, 0);
  c.booted(b, 0, 0, 0);
  c.persisted(a, ready([entry(1, 1, 'x')]));
  assert.equal(violation(() => c.persisted(b, ready([entry(1, 1, 'y')]))), 'log matching');
  c.applied(a, entry(1, 1, 'x'));
  assert.equal(violation(() => c.applied(b, entry(1, 2, 'z'))), 'state machine safety');
  const m = new SafetyChecker();
  const n = fakeNode(3, { term: 3, commit: 2, lastIndex: 1 });
  m.booted(n, 4, 0, 0);
  assert.equal(violation(() => m.afterStep([n])), 'monotonic term');
  const o = fakeNode(4, { term: 3, commit: 2, lastIndex: 1 });
  m.booted(o, 3, 0, 0);
  assert.equal(violation(() => m.afterStep([o])), 'applied ≤ committed ≤ last index');
});

test('checker: a new leader lacking a committed entry breaks leader completeness', () => {
  const c = new SafetyChecker();
  const old = fakeNode(1, { term: 2, commit: 1, lastIndex: 1 }, [entry(1, 2, 'x')]);
  c.booted(old, 0, 0, 0);
  c.afterStep([old]);
  const usurper = fakeNode(2, { role: 'leader', term: 3, commit: 0, lastIndex: 1 }, [entry(1, 1, 'other')]);
  c.booted(usurper, 0, 0, 0);
  assert.equal(violation(() => c.afterStep([usurper])), 'leader completeness');
});
