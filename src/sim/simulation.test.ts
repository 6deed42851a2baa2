// Whole-simulator tests: a run is a pure function of its seed (same trace hash), a few hundred
// seeds of healthy code find nothing, and every mutant of the core is caught within a bounded
// number of seeds, by a violation of the property that mutant breaks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MutantName } from '../raft/types.ts';
import { runSimulation, type SimResult } from './simulation.ts';

test('same seed, same trace, byte for byte; another seed, another trace', () => {
  const a = runSimulation({ seed: 42, steps: 2000, nodes: 5 });
  const b = runSimulation({ seed: 42, steps: 2000, nodes: 5 });
  const c = runSimulation({ seed: 43, steps: 2000, nodes: 5 });
  assert.equal(a.ok, true, a.violation?.detail);
  assert.equal(a.traceHash, b.traceHash);
  assert.equal(a.events, b.events);
  assert.deepEqual(a.traceTail, b.traceTail);
  assert.notEqual(a.traceHash, c.traceHash);
});

/** Healthy seeds: few steps each, so that hundreds fit in a few seconds. */
const cleanSeeds = 300;
const cleanSteps = 1500;

test(`${cleanSeeds} seeds of the healthy core: no violation, every history checked`, () => {
  const failures: SimResult[] = [];
  let operations = 0;
  for (let seed = 1; seed <= cleanSeeds; seed++) {
    const r = runSimulation({ seed, steps: cleanSteps, nodes: seed % 4 === 0 ? 3 : 5 });
    operations += r.operations;
    if (!r.ok) failures.push(r);
    else assert.equal(r.linearizability, 'ok', `seed ${seed}`);
  }
  const first = failures[0];
  assert.equal(failures.length, 0, first === undefined ? '' : `seed ${first.seed}: ${first.violation?.invariant}: ${first.violation?.detail}`);
  assert.ok(operations > cleanSeeds * 20, `clients did work (${operations} operations)`);
});

/** Seeds tried per mutant before the test gives up; the measured need is far lower (docs/simulator.md). */
const mutantSeedsMax = 150;

const expected: Record<MutantName, readonly string[]> = {
  'vote-ignores-log': ['leader completeness', 'state machine safety', 'linearizability', 'exactly once'],
  'commit-prior-term': ['leader completeness', 'state machine safety', 'linearizability', 'exactly once'],
  'lease-without-quorum': ['linearizability'],
  'vote-not-persisted': ['election safety'],
};

for (const mutant of Object.keys(expected) as MutantName[]) {
  test(`mutant ${mutant} is caught within ${mutantSeedsMax} seeds`, () => {
    for (let seed = 1; seed <= mutantSeedsMax; seed++) {
      const r = runSimulation({ seed, steps: 6000, nodes: 5, mutant });
      if (r.ok) continue;
      const invariant = r.violation?.invariant ?? '';
      assert.ok(expected[mutant].includes(invariant), `seed ${seed}: unexpected violation ${invariant}: ${r.violation?.detail}`);
      return;
    }
    assert.fail(`mutant ${mutant} survived ${mutantSeedsMax} seeds`);
  });
}
