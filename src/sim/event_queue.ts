// The simulator's agenda: a binary min-heap of events ordered by virtual time, with a sequence
// number breaking ties so that two events at the same instant always pop in the order they
// were scheduled. That tie-break is what makes a run a pure function of its seed.

import { assert } from '../util/assert.ts';

interface Slot<T> {
  at: number;
  seq: number;
  value: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seq = 0;
  private readonly eventsMax: number;

  /** `eventsMax` bounds the agenda; scheduling past it is a simulator bug, not a fault. */
  constructor(eventsMax: number) {
    this.eventsMax = eventsMax;
  }

  get size(): number {
    return this.heap.length;
  }

  push(at: number, value: T): void {
    assert(Number.isFinite(at), 'event time must be finite');
    assert(this.heap.length < this.eventsMax, `event queue full (${this.eventsMax})`);
    const slot = { at, seq: this.seq++, value };
    const h = this.heap;
    h.push(slot);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Slot<T>;
      if (!less(slot, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = slot;
  }

  /** The time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): { at: number; value: T } | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as Slot<T>;
    if (h.length > 0) siftDown(h, last);
    return { at: top.at, value: top.value };
  }
}

function less<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function siftDown<T>(h: Slot<T>[], slot: Slot<T>): void {
  let i = 0;
  const n = h.length;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    let c = l;
    if (r < n && less(h[r] as Slot<T>, h[l] as Slot<T>)) c = r;
    const child = h[c] as Slot<T>;
    if (!less(child, slot)) break;
    h[i] = child;
    i = c;
  }
  h[i] = slot;
}
