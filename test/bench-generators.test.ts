// The benchmark's generators and arithmetic: Zipf shape, the key scrambler, medians and A/B
// ratios, redis-benchmark CSV parsing and the eviction traces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xoshiro128 } from '../src/util/prng.ts';
import { Zipf, scrambler } from '../bench/lib/zipf.ts';
import { median, pairRatios, ratioSummary, alternate } from '../bench/lib/stats.ts';
import { parseRedisBenchmarkCsv, rowFor } from '../bench/lib/redis-benchmark.ts';
import { standardTraces } from '../bench/lib/traces.ts';

const samples = 200_000;

function frequencies(z: Zipf, seed: number): number[] {
  const rng = new Xoshiro128(seed);
  const counts = new Array<number>(z.n).fill(0);
  for (let i = 0; i < samples; i++) {
    const k = z.sample(rng);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** |observed - expected| within 5 binomial standard deviations. */
function assertNear(observed: number, p: number, what: string): void {
  const expected = p * samples;
  const sd = Math.sqrt(samples * p * (1 - p));
  assert.ok(Math.abs(observed - expected) <= 5 * sd, `${what}: observed ${observed}, expected ${expected.toFixed(0)} ± ${(5 * sd).toFixed(0)}`);
}

test('zipf 0.99: rank frequencies follow 1/k^alpha', () => {
  const z = new Zipf(1000, 0.99);
  const counts = frequencies(z, 1);
  for (let k = 0; k < 10; k++) assertNear(counts[k] ?? 0, z.probability(k), `rank ${k + 1}`);
  // Rank 1 is drawn about 2^0.99 ≈ 1.99 times as often as rank 2, and 10^0.99 ≈ 9.8 times rank 10.
  const r12 = (counts[0] ?? 0) / (counts[1] ?? 1);
  const r110 = (counts[0] ?? 0) / (counts[9] ?? 1);
  assert.ok(Math.abs(r12 - Math.pow(2, 0.99)) < 0.15, `rank1/rank2 = ${r12}`);
  assert.ok(Math.abs(r110 - Math.pow(10, 0.99)) < 1.2, `rank1/rank10 = ${r110}`);
  // Frequencies never increase with rank over the head (ties allowed by noise further out).
  for (let k = 0; k < 5; k++) assert.ok((counts[k] ?? 0) > (counts[k + 1] ?? 0));
});

test('zipf: probabilities sum to 1, alpha 0 is uniform, alpha 0.8 is flatter than 0.99', () => {
  const z = new Zipf(500, 0.8);
  let sum = 0;
  for (let k = 0; k < z.n; k++) sum += z.probability(k);
  assert.ok(Math.abs(sum - 1) < 1e-9);
  const u = new Zipf(100, 0);
  for (let k = 0; k < 100; k++) assert.ok(Math.abs(u.probability(k) - 0.01) < 1e-12);
  assert.ok(z.probability(0) < new Zipf(500, 0.99).probability(0));
  const counts = frequencies(u, 2);
  for (let k = 0; k < 100; k += 17) assertNear(counts[k] ?? 0, 0.01, `uniform rank ${k}`);
});

test('zipf: the same seed gives the same trace', () => {
  const z = new Zipf(10_000, 0.99);
  const a = new Xoshiro128(9);
  const b = new Xoshiro128(9);
  for (let i = 0; i < 1000; i++) assert.equal(z.sample(a), z.sample(b));
});

test('scrambler is a permutation of [0, n)', () => {
  for (const n of [1, 2, 10, 997, 1000, 65_536]) {
    const f = scrambler(n);
    const seen = new Set<number>();
    for (let r = 0; r < n; r++) seen.add(f(r));
    assert.equal(seen.size, n);
    assert.ok([...seen].every((v) => v >= 0 && v < n));
  }
});

test('median of odd, even, empty and NaN-holding lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(median([Number.NaN, 5, 1]), 3);
});

test('pair ratios are per round, skip missing rounds and zero denominators', () => {
  assert.deepEqual(pairRatios([10, 20, 30], [5, 10, 15]), [2, 2, 2]);
  assert.deepEqual(pairRatios([10, 20, 30], [5, 0]), [2]);
  const s = ratioSummary('floe', 'redis', [90, 100, 120], [100, 100, 100]);
  assert.deepEqual(s.perRound, [0.9, 1, 1.2]);
  assert.equal(s.median, 1);
  assert.equal(s.min, 0.9);
  assert.equal(s.max, 1.2);
  // The median of ratios is not the ratio of medians: that is why both are reported.
  const t = ratioSummary('a', 'b', [1, 10, 100], [10, 1, 100]);
  assert.equal(t.median, 1);
});

test('alternate runs labels in turn, round by round (ABAB...)', async () => {
  const order: string[] = [];
  await alternate(3, ['A', 'B'], (l, r) => {
    order.push(`${l}${r}`);
    return Promise.resolve();
  });
  assert.deepEqual(order, ['A0', 'B0', 'A1', 'B1', 'A2', 'B2']);
});

test('redis-benchmark --csv output is parsed', () => {
  const csv = [
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
    '"SET","76045.62","0.348","0.080","0.335","0.471","0.839","1.959"',
    '"zadd myz __rand_int__ m__rand_int__","100000.00","0.268","0.088","0.255","0.383","0.479","0.615"',
    '',
  ].join('\n');
  const rows = parseRedisBenchmarkCsv(csv);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { test: 'SET', rps: 76045.62, avgMs: 0.348, minMs: 0.08, p50Ms: 0.335, p95Ms: 0.471, p99Ms: 0.839, maxMs: 1.959 });
  assert.equal(rows[1]?.rps, 100000);
});

test('redis-benchmark: the row measuring a test, not the LPUSH that fills the list for LRANGE', () => {
  const csv = [
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
    '"LPUSH","43478.26","0.605","0.200","0.543","0.855","1.463","2.183"',
    '"LPUSH (needed to benchmark LRANGE)","44444.44","0.662","0.200","0.503","0.847","6.247","6.959"',
    '"LRANGE_100 (first 100 elements)","40816.33","0.717","0.408","0.655","0.999","2.239","2.919"',
    '',
  ].join('\n');
  const rows = parseRedisBenchmarkCsv(csv);
  assert.equal(rowFor(rows, 'lrange_100')?.rps, 40816.33);
  assert.equal(rowFor(rows, 'lrange_100')?.p99Ms, 2.239);
  assert.equal(rowFor(rows, 'lpush')?.rps, 43478.26);
  // With only the fill line, there is no LPUSH measurement to report.
  assert.equal(rowFor(rows.slice(1), 'lpush'), undefined);
  assert.equal(rowFor(rows, 'lrange_300'), undefined);
});

test('eviction traces: deterministic, scans are one-off keys, loop cycles', () => {
  const p = { universe: 1000, length: 5000, capacityKeys: 100, seed: 3 };
  const a = standardTraces(p);
  const b = standardTraces(p);
  assert.deepEqual(a.map((t) => t.name), ['zipf-0.8', 'zipf-0.99', 'zipf-0.99+scans', 'loop']);
  for (const [i, t] of a.entries()) assert.deepEqual(t.keys, b[i]?.keys);
  const scans = a[2]?.keys ?? new Uint32Array();
  const oneOff = [...scans].filter((k) => k >= p.universe);
  assert.equal(new Set(oneOff).size, oneOff.length, 'scan keys never repeat');
  // 150 Zipf requests then 50 scan keys, repeated: a quarter of the trace is scans.
  assert.equal(oneOff.length, 5000 / 200 * 50);
  assert.ok(scans.slice(150, 200).every((k) => k >= p.universe));
  const loop = a[3]?.keys ?? new Uint32Array();
  assert.equal(loop[0], 0);
  assert.equal(loop[149], 149);
  assert.equal(loop[150], 0);
  assert.ok([...(a[0]?.keys ?? [])].every((k) => k < p.universe));
});
