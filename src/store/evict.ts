// Eviction under maxmemory, as Redis approximates it: sample a few keys, keep the best
// candidates in a small pool across calls, evict the best. Scores: idle time (LRU), low access
// frequency (LFU), nearest expiry (volatile-ttl). The caller performs the deletes, so a Raft
// leader can turn them into log entries.

import { EVICTION_KEYS_PER_COMMAND_MAX, EVICTION_POOL_SIZE } from '../constants.ts';
import type { Random } from '../util/prng.ts';
import type { Keyspace } from './keyspace.ts';

// In Redis's order, which its CONFIG SET error message lists.
export const EVICTION_POLICIES = [
  'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
  'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction',
] as const;
export type EvictionPolicy = (typeof EVICTION_POLICIES)[number];

export function isEvictionPolicy(s: string): s is EvictionPolicy {
  return (EVICTION_POLICIES as readonly string[]).includes(s);
}

interface Candidate {
  key: string;
  score: number; // higher = evict sooner
}

export class Evictor {
  private pool: Candidate[] = [];
  private readonly random: Random;

  constructor(random: Random) {
    this.random = random;
  }

  /** Forgets pooled candidates (after FLUSHALL or a policy change). */
  reset(): void {
    this.pool = [];
  }

  /** The next key to evict under policy, or undefined when the policy allows none. */
  pickVictim(ks: Keyspace, policy: EvictionPolicy, nowMs: number, samples: number): string | undefined {
    if (policy === 'noeviction' || ks.size === 0) return undefined;
    const volatile = policy.startsWith('volatile-');
    if (volatile && ks.expires.size === 0) return undefined;
    if (policy === 'allkeys-random') return ks.randomKeyRaw();
    if (policy === 'volatile-random') return this.randomVolatile(ks, samples);
    this.fillPool(ks, policy, nowMs, samples, volatile);
    while (this.pool.length > 0) {
      const best = this.pool.pop() as Candidate;
      const e = ks.raw(best.key);
      if (e === undefined) continue;
      if (volatile && ks.getExpire(best.key) === undefined) continue;
      return best.key;
    }
    return undefined;
  }

  private randomVolatile(ks: Keyspace, samples: number): string | undefined {
    const sample = ks.sampleVolatile(samples);
    return sample[this.random.int(sample.length)];
  }

  private fillPool(ks: Keyspace, policy: EvictionPolicy, nowMs: number, samples: number, volatile: boolean): void {
    const keys = volatile ? ks.sampleVolatile(samples) : this.sampleAll(ks, samples);
    for (const key of keys) {
      const e = ks.raw(key);
      if (e === undefined) continue;
      let score: number;
      if (policy === 'volatile-ttl') score = -(ks.getExpire(key) ?? Infinity);
      else if (policy.endsWith('-lfu')) score = 255 - ks.lfuDecayed(e.meta, nowMs);
      else score = ks.idleSeconds(e, nowMs);
      this.insert({ key, score });
    }
  }

  private sampleAll(ks: Keyspace, samples: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < samples; i++) {
      const k = ks.randomKeyRaw();
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  /** Keeps the pool sorted by ascending score, at most EVICTION_POOL_SIZE long, no duplicates. */
  private insert(c: Candidate): void {
    const dup = this.pool.findIndex((p) => p.key === c.key);
    if (dup >= 0) this.pool.splice(dup, 1);
    if (this.pool.length >= EVICTION_POOL_SIZE && c.score <= (this.pool[0] as Candidate).score) return;
    let i = this.pool.length;
    while (i > 0 && (this.pool[i - 1] as Candidate).score > c.score) i--;
    this.pool.splice(i, 0, c);
    if (this.pool.length > EVICTION_POOL_SIZE) this.pool.shift();
  }
}

export interface EvictionOutcome {
  /** Keys chosen for deletion, in order. */
  victims: string[];
  /** False when memory is still above the limit and nothing more may be evicted. */
  ok: boolean;
}

/**
 * Chooses keys to delete until the estimate is within maxmemory. The `evict` callback deletes
 * a key and must lower ks.usedBytes (a leader proposing deletes applies them locally first).
 */
export function performEvictions(
  ks: Keyspace, evictor: Evictor, policy: EvictionPolicy, maxmemoryBytes: number,
  nowMs: number, samples: number, evict: (key: string) => void,
): EvictionOutcome {
  const victims: string[] = [];
  if (maxmemoryBytes <= 0) return { victims, ok: true };
  while (ks.usedBytes > maxmemoryBytes) {
    if (victims.length >= EVICTION_KEYS_PER_COMMAND_MAX) break;
    const key = evictor.pickVictim(ks, policy, nowMs, samples);
    if (key === undefined) return { victims, ok: false };
    victims.push(key);
    evict(key);
  }
  return { victims, ok: ks.usedBytes <= maxmemoryBytes || victims.length > 0 };
}
