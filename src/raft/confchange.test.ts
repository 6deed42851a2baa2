import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyConfChange, confStateError, decodeConfChange, emptyConfState, encodeConfChange } from './confchange.ts';
import type { ConfChange, ConfState } from './types.ts';

const cs = (voters: number[], learners: number[] = []): ConfState => ({ ...emptyConfState, voters, learners });

function apply(c: ConfState, cc: ConfChange): ConfState {
  const r = applyConfChange(c, cc);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.confState;
}

test('conf changes round-trip through their encoding', () => {
  const cc: ConfChange = { transition: 'joint-explicit', changes: [{ op: 'add-voter', node: 4 }, { op: 'remove', node: 0xfffffffe }, { op: 'promote-learner', node: 7 }] };
  assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  assert.deepEqual(decodeConfChange(encodeConfChange({ transition: 'auto', changes: [] })), { transition: 'auto', changes: [] });
  assert.throws(() => decodeConfChange(new Uint8Array([9, 0, 0])));
});

test('a simple change adds or removes at most one voter', () => {
  assert.deepEqual(apply(cs([1, 2, 3]), { transition: 'auto', changes: [{ op: 'add-voter', node: 4 }] }).voters, [1, 2, 3, 4]);
  const demoted = apply(cs([1, 2, 3]), { transition: 'auto', changes: [{ op: 'add-learner', node: 3 }] });
  assert.deepEqual([demoted.voters, demoted.learners], [[1, 2], [3]]);
  const promoted = apply(cs([1, 2], [3]), { transition: 'auto', changes: [{ op: 'promote-learner', node: 3 }] });
  assert.deepEqual([promoted.voters, promoted.learners], [[1, 2, 3], []]);
});

test('two voter changes enter joint consensus; leaving applies learners_next', () => {
  const joint = apply(cs([1, 2, 3]), { transition: 'auto', changes: [{ op: 'add-voter', node: 4 }, { op: 'add-learner', node: 3 }] });
  assert.deepEqual(joint, { voters: [1, 2, 4], votersOutgoing: [1, 2, 3], learners: [], learnersNext: [3], autoLeave: true });
  assert.equal(confStateError(joint), null);
  const left = apply(joint, { transition: 'auto', changes: [] });
  assert.deepEqual(left, { voters: [1, 2, 4], votersOutgoing: [], learners: [3], learnersNext: [], autoLeave: false });
  const explicit = apply(cs([1, 2, 3]), { transition: 'joint-explicit', changes: [{ op: 'add-voter', node: 4 }] });
  assert.equal(explicit.autoLeave, false);
  assert.deepEqual(explicit.votersOutgoing, [1, 2, 3]);
});

test('invalid changes are refused with a reason', () => {
  const refuse = (c: ConfState, cc: ConfChange) => assert.equal(applyConfChange(c, cc).ok, false);
  refuse(cs([1, 2, 3]), { transition: 'auto', changes: [] }); // leave while not joint
  refuse(cs([1, 2, 3]), { transition: 'auto', changes: [{ op: 'promote-learner', node: 4 }] }); // not a learner
  refuse(cs([1]), { transition: 'auto', changes: [{ op: 'remove', node: 1 }] }); // no voters left
  refuse(cs([1, 2, 3]), { transition: 'auto', changes: [{ op: 'add-voter', node: 0 }] });
  const joint = apply(cs([1, 2, 3]), { transition: 'joint-explicit', changes: [{ op: 'add-voter', node: 4 }] });
  refuse(joint, { transition: 'auto', changes: [{ op: 'add-voter', node: 5 }] }); // already joint
});

test('bootstrap from an empty configuration adds every initial member at once', () => {
  const c = apply(emptyConfState, { transition: 'auto', changes: [{ op: 'add-voter', node: 1 }, { op: 'add-voter', node: 2 }, { op: 'add-learner', node: 3 }] });
  assert.deepEqual(c, { ...emptyConfState, voters: [1, 2], learners: [3] });
});
