// A harness for model-based property tests: a seeded generator proposes commands, they go to a
// real floe process in pipelined batches, and a reference model checks every reply in order
// (and updates itself, so commands whose result is random, like SPOP, still stay in step).
// A failure names the seed, the step and the last commands so it can be replayed.

import { RawClient, encodeCommand, show, type RespValue } from './resp.ts';
import { Xoshiro128 } from '../../src/util/prng.ts';

const BATCH = 64; // commands per pipelined round trip
const HISTORY = Number(process.env.FLOE_PROPERTY_HISTORY ?? 12); // commands shown before a failing one

export interface Model {
  /** Applies the command to the model and checks Floe's reply; an explanation, or null when fine. */
  check(args: string[], got: RespValue): string | null;
}

/** Runs `steps` generated commands; throws with a replayable message on the first mismatch. */
export async function runProperty(port: number, seed: number, steps: number, model: Model, gen: (r: Xoshiro128) => string[]): Promise<void> {
  const r = new Xoshiro128(seed);
  const c = await RawClient.connect(port);
  const history: string[] = [];
  try {
    for (let done = 0; done < steps; done += BATCH) {
      const batch: string[][] = [];
      for (let i = 0; i < BATCH && done + i < steps; i++) batch.push(gen(r));
      c.write(Buffer.concat(batch.map((a) => encodeCommand(a))));
      for (let i = 0; i < batch.length; i++) {
        const args = batch[i] as string[];
        const got = await c.read();
        history.push(`${args.join(' ')} → ${show(got)}`);
        if (history.length > HISTORY) history.shift();
        const problem = model.check(args, got);
        if (problem !== null) {
          throw new Error(`seed ${seed}, step ${done + i}: ${args.join(' ')}\n  ${problem}\n  recent:\n    ${history.join('\n    ')}`);
        }
      }
    }
  } finally {
    c.close();
  }
}

// Expected replies in show() form.
export const NIL = '(nil)';
export const NIL_ARRAY = '(nil array)';
export const OK = '+OK';
export const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
export const int = (n: number | bigint): string => `:${n}`;
export const bulk = (s: string | null): string => (s === null ? NIL : JSON.stringify(s));
export const arr = (items: string[]): string => `[${items.join(', ')}]`;
export const bulks = (items: string[]): string => arr(items.map(bulk));

/** Compares exactly; a description of the difference or null. */
export function expect(got: RespValue, want: string): string | null {
  const g = show(got);
  return g === want ? null : `expected ${want}\n  got      ${g}`;
}

/** Compares an array reply as a multiset of elements. */
export function expectUnordered(got: RespValue, want: string[]): string | null {
  if (got.type !== 'array' || got.value === null) return `expected an array, got ${show(got)}`;
  const g = got.value.map(show).sort();
  const w = want.slice().sort();
  return JSON.stringify(g) === JSON.stringify(w) ? null : `expected (any order) ${arr(w)}\n  got ${arr(g)}`;
}

/** The bulk strings of an array reply, or null when it is not one. */
export function bulkItems(got: RespValue): string[] | null {
  if (got.type !== 'array' || got.value === null) return null;
  const out: string[] = [];
  for (const v of got.value) {
    if (v.type !== 'bulk' || v.value === null) return null;
    out.push(v.value);
  }
  return out;
}

/** Picks one element of a non-empty array. */
export function pick<T>(r: Xoshiro128, items: readonly T[]): T {
  return items[r.int(items.length)] as T;
}

/** A short random member name, sometimes long enough to leave the compact encoding. */
export function randomName(r: Xoshiro128, space: number, longEvery = 40): string {
  const base = `m${r.int(space)}`;
  return r.int(longEvery) === 0 ? base + 'x'.repeat(70) : base;
}
