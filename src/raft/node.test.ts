import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128, type Random } from '../util/prng.ts';
import { RaftNode } from './node.ts';
import { MemoryStorage } from './storage.ts';
import { makeMessage } from './message.ts';
import type { RaftConfig, Ready } from './types.ts';

function config(id: number, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id, group: 3, voters: [1, 2, 3], learners: [], electionTicks: 10, heartbeatTicks: 2,
    random: new Xoshiro128(id), storage: new MemoryStorage(),
    maxSizePerMsgBytes: 1 << 20, maxInflightMsgs: 64, maxInflightBytes: 1 << 24, maxUncommittedEntriesBytes: 1 << 24,
    preVote: false, checkQuorum: false, leaseDriftTicks: 1, snapshotChunkBytes: 1 << 16, maxSnapshotBytes: 1 << 24,
    ...overrides,
  };
}

/** Persist (to the node's MemoryStorage), collect messages, advance. */
function drain(node: RaftNode, storage: MemoryStorage): Ready[] {
  const out: Ready[] = [];
  for (let rd = node.ready(); rd !== null; rd = node.ready()) {
    storage.save(rd);
    node.advance(rd);
    out.push(rd);
  }
  return out;
}

test('the election timeout is drawn from the injected PRNG, in [electionTicks, 2·electionTicks)', () => {
  for (const k of [0, 4, 9]) {
    const fixed: Random = { next: () => 0, int: () => k };
    const node = new RaftNode(config(1, { random: fixed }));
    let ticks = 0;
    while (node.status().role === 'follower' && ticks < 100) {
      node.tick();
      ticks++;
    }
    assert.equal(ticks, 10 + k);
    assert.equal(node.status().role, 'candidate');
  }
  // Same seed, same behaviour: two identical nodes campaign at the same tick.
  const a = new RaftNode(config(1, { random: new Xoshiro128(99) }));
  const b = new RaftNode(config(1, { random: new Xoshiro128(99) }));
  for (let i = 0; i < 25; i++) {
    a.tick();
    b.tick();
    assert.equal(a.status().term, b.status().term);
  }
});

test('electionJitterTicks narrows the random part of the election timeout', () => {
  let asked = 0;
  const spy: Random = { next: () => 0, int: (n) => {
    asked = n;
    return n - 1; // the largest draw allowed
  } };
  const node = new RaftNode(config(1, { random: spy, electionJitterTicks: 5 }));
  let ticks = 0;
  while (node.status().role === 'follower' && ticks < 100) {
    node.tick();
    ticks++;
  }
  assert.equal(asked, 5);
  assert.equal(ticks, 10 + 4);
});

test('ready() twice without advance, or advance with another Ready, is a bug', () => {
  const node = new RaftNode(config(1));
  const rd = node.ready();
  assert.ok(rd !== null);
  assert.throws(() => node.ready());
  assert.throws(() => node.advance({ ...rd }));
  node.advance(rd);
  assert.equal(node.ready(), null);
});

test('the first Ready of a bootstrapped node persists entry 1 and the hard state, synced', () => {
  const storage = new MemoryStorage();
  const node = new RaftNode(config(1, { storage }));
  const [rd] = drain(node, storage);
  assert.ok(rd !== undefined);
  assert.deepEqual(rd.hardState, { term: 1, vote: 0, commit: 1 });
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.committed.length, 1);
  assert.equal(rd.mustSync, true);
  assert.equal(rd.group, 3);
});

test('a single voter elects itself, commits at once, answers ReadIndex and lease reads', () => {
  const storage = new MemoryStorage();
  const node = new RaftNode(config(1, { voters: [1], storage, checkQuorum: true }));
  drain(node, storage);
  node.campaign();
  drain(node, storage);
  assert.equal(node.status().role, 'leader');
  const p = node.propose(new TextEncoder().encode('x'));
  assert.ok(p.ok);
  const rds = drain(node, storage);
  const committed = rds.flatMap((r) => r.committed);
  assert.deepEqual(committed.map((e) => e.index), [p.index]);
  assert.equal(rds[0]?.mustSync, true); // it carries the entry
  assert.equal(node.readIndex(new Uint8Array([1])).ok, true);
  for (let i = 0; i < 2; i++) node.tick(); // one heartbeat round: a quorum of one
  const reads = drain(node, storage).flatMap((r) => r.readStates);
  assert.equal(reads.length, 1);
  const lease = node.leaseRead();
  assert.ok(lease.ok && lease.index === node.status().commit);
});

test('messages of another group or for another node are refused', () => {
  const node = new RaftNode(config(1));
  assert.throws(() => node.step(makeMessage('heartbeat', 4, 2, 1, { term: 5 })));
  assert.throws(() => node.step(makeMessage('heartbeat', 3, 2, 7, { term: 5 })));
});

test('a snapshot records the membership at its index, not the current one', () => {
  const storage = new MemoryStorage();
  const node = new RaftNode(config(1, { voters: [1], storage }));
  drain(node, storage);
  node.campaign();
  drain(node, storage);
  node.propose(new Uint8Array([1]));
  drain(node, storage);
  const before = node.status().applied;
  const cc = node.proposeConfChange({ transition: 'auto', changes: [{ op: 'add-learner', node: 2 }] });
  assert.ok(cc.ok);
  drain(node, storage);
  assert.deepEqual(node.status().confState.learners, [2]);
  const snap = node.compact(before, new Uint8Array([7]));
  assert.deepEqual(snap.confState.learners, []);
  storage.compact(snap);
  const later = node.compact(node.status().applied, new Uint8Array([8]));
  assert.deepEqual(later.confState.learners, [2]);
  storage.compact(later);
  // Restart from what was persisted: membership, term and log come back.
  const again = new RaftNode(config(1, { voters: [1], storage }));
  const s = again.status();
  assert.deepEqual([s.confState.voters, s.confState.learners, s.snapshotIndex, s.term], [[1], [2], later.index, node.status().term]);
});

test('a Ready whose only change is the commit index need not be synced', () => {
  const storage = new MemoryStorage();
  const node = new RaftNode(config(2, { storage }));
  drain(node, storage);
  const entry = { group: 3, term: 2, index: 2, type: 'normal' as const, data: new Uint8Array(0) };
  node.step(makeMessage('append', 3, 1, 2, { term: 2, index: 1, logTerm: 1, entries: [entry], commit: 1 }));
  const [withEntries] = drain(node, storage);
  assert.equal(withEntries?.mustSync, true);
  node.step(makeMessage('heartbeat', 3, 1, 2, { term: 2, commit: 2, seq: 1 }));
  const [commitOnly] = drain(node, storage);
  assert.deepEqual(commitOnly?.hardState, { term: 2, vote: 0, commit: 2 });
  assert.equal(commitOnly?.mustSync, false);
  assert.equal(commitOnly?.messages[0]?.type, 'heartbeat-resp');
});
