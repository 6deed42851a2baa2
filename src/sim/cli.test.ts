// The `floe sim` command end to end (as a child process): one seed replays with the same trace
// hash; a failing run prints the seed, the property, the trace tail and the replay command,
// and exits non-zero; a multi-seed run reports its throughput.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

function floe(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [main, 'sim', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('floe sim --seed replays the same trace', () => {
  const a = floe('--seed', '7', '--steps', '800');
  const b = floe('--seed', '7', '--steps', '800');
  assert.equal(a.code, 0, a.out);
  const hash = /trace sha256 ([0-9a-f]{64})/.exec(a.out)?.[1];
  assert.ok(hash !== undefined, a.out);
  assert.match(b.out, new RegExp(`trace sha256 ${hash}`));
});

test('a violation prints seed, property, trace tail and the replay command, and fails', () => {
  const r = floe('--seed', '1', '--mutant', 'vote-ignores-log');
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^FAIL seed 1: (leader completeness|state machine safety|linearizability)/m);
  assert.match(r.out, /last \d+ events:/);
  assert.match(r.out, /replay: npm run sim -- --seed 1 --mutant vote-ignores-log$/m);
});

test('floe sim --seeds reports events per second and seeds per minute', () => {
  const r = floe('--seeds', '3', '--start', '10', '--steps', '500');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /3 seeds from 10: 0 with violations/);
  assert.match(r.out, /\d+ events\/s, \d+ seeds\/min/);
});

test('bad arguments are refused', () => {
  const r = floe('--mutant', 'no-such-mutant');
  assert.notEqual(r.code, 0);
  assert.match(r.out, /unknown mutant/);
});
