// The in-flight window of append messages to one follower in replicate state: a FIFO of
// (last index, bytes) pairs, capped by count and by bytes, freed as acknowledgements arrive.
import { assert } from '../util/assert.ts';

export class Inflights {
  // Ring buffer of the last index and byte size of each in-flight append message.
  private readonly lastIndexes: number[];
  private readonly sizes: number[];
  private start = 0;
  /** Messages in flight; invariant 0 ≤ count ≤ msgsMax. */
  count = 0;
  /** Entry bytes in flight; invariant 0 ≤ bytes. */
  bytes = 0;
  readonly msgsMax: number;
  readonly bytesMax: number;

  constructor(msgsMax: number, bytesMax: number) {
    assert(msgsMax >= 1 && bytesMax >= 1, 'inflight caps must be positive');
    this.msgsMax = msgsMax;
    this.bytesMax = bytesMax;
    this.lastIndexes = new Array<number>(msgsMax).fill(0);
    this.sizes = new Array<number>(msgsMax).fill(0);
  }

  /** Full: no more messages may be sent until some are acknowledged. */
  full(): boolean {
    return this.count === this.msgsMax || this.bytes >= this.bytesMax;
  }

  /** Records one sent message carrying entries up to `lastIndex`. Indexes must increase. */
  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), 'inflights: add when full');
    if (this.count > 0) {
      const prev = this.lastIndexes[(this.start + this.count - 1) % this.msgsMax] as number;
      assert(lastIndex > prev, 'inflights: indexes must increase');
    }
    const slot = (this.start + this.count) % this.msgsMax;
    this.lastIndexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is ≤ `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && (this.lastIndexes[this.start] as number) <= index) {
      this.bytes -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.msgsMax;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
    assert(this.bytes >= 0 && (this.count > 0 || this.bytes === 0), 'inflights: byte accounting');
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
