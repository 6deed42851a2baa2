// Key-access traces for the eviction scenario, generated from a seed so that every system
// and every policy replays exactly the same sequence. Each entry is a key id; ids at or above
// the universe size are one-off keys that never repeat (scan pollution).

import { Xoshiro128 } from '../../src/util/prng.ts';
import { Zipf, scrambler } from './zipf.ts';

export type Trace = { name: string; description: string; keys: Uint32Array };

export function zipfTrace(universe: number, length: number, alpha: number, seed: number): Uint32Array {
  const rng = new Xoshiro128(seed);
  const z = new Zipf(universe, alpha);
  const scramble = scrambler(universe);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = scramble(z.sample(rng));
  return out;
}

/**
 * Zipf traffic interrupted by scans: after every `zipfRun` Zipf requests comes a run of
 * `scanLength` keys touched once and never again, like a batch job reading through a table.
 */
export function scanPollutedTrace(universe: number, length: number, alpha: number, seed: number, zipfRun: number, scanLength: number): Uint32Array {
  const base = zipfTrace(universe, length, alpha, seed);
  const out = new Uint32Array(length);
  let nextOneOff = universe;
  let i = 0;
  let j = 0;
  while (i < length) {
    for (let k = 0; k < zipfRun && i < length; k++) out[i++] = base[j++] ?? 0;
    for (let k = 0; k < scanLength && i < length; k++) out[i++] = nextOneOff++;
  }
  return out;
}

/** 0, 1, ..., loopLength - 1, 0, 1, ...: the pattern that defeats LRU when it exceeds the cache. */
export function loopTrace(loopLength: number, length: number): Uint32Array {
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = i % loopLength;
  return out;
}

export type TraceParams = { universe: number; length: number; capacityKeys: number; seed: number };

export function standardTraces(p: TraceParams): Trace[] {
  const zipfRun = Math.max(1, Math.round(p.capacityKeys * 1.5));
  const scanLength = Math.max(1, Math.round(p.capacityKeys / 2));
  const loopLength = Math.round(p.capacityKeys * 1.5);
  return [
    { name: 'zipf-0.8', description: `Zipf 0.8 over ${p.universe} keys`, keys: zipfTrace(p.universe, p.length, 0.8, p.seed) },
    { name: 'zipf-0.99', description: `Zipf 0.99 over ${p.universe} keys`, keys: zipfTrace(p.universe, p.length, 0.99, p.seed + 1) },
    {
      name: 'zipf-0.99+scans',
      description: `Zipf 0.99, every ${zipfRun} requests interrupted by a scan of ${scanLength} one-off keys`,
      keys: scanPollutedTrace(p.universe, p.length, 0.99, p.seed + 2, zipfRun, scanLength),
    },
    { name: 'loop', description: `a loop over ${loopLength} keys (1.5× the nominal cache size)`, keys: loopTrace(loopLength, p.length) },
  ];
}
