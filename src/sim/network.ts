// The virtual network's fault policy: for each message it decides, from the run's PRNG, whether
// it is lost, delivered once or twice, and after what delay (random delays reorder messages).
// Links can be cut one way (asymmetric) or both ways (partitions, an isolated node). The
// simulator owns the agenda; this module only answers "when, if ever, does this arrive".

import type { Random } from '../util/prng.ts';

/** The highest message loss rate a run may draw (the issue asks for up to 30%). */
export const lossRateMax = 0.3;
/** The highest duplication rate a run may draw. */
export const duplicateRateMax = 0.1;
/** Delivery delay bounds in virtual milliseconds; a tick is 100 ms by default. */
export const delayMsMin = 1;
export const delayMsMax = 120;
/** Messages in flight at once; past this a send is dropped, as a full socket buffer would. */
export const inFlightMessagesMax = 20_000;

export interface NetworkFaults {
  lossRate: number;
  duplicateRate: number;
  /** Upper bound of this run's delay, in [delayMsMin, delayMsMax]. */
  delayMsCeiling: number;
}

export class VirtualNetwork {
  faults: NetworkFaults = { lossRate: 0, duplicateRate: 0, delayMsCeiling: delayMsMin };
  inFlight = 0;
  private readonly rng: Random;
  /** Cut links as "from>to" keys; a message on a cut link is dropped on send and on arrival. */
  private readonly cut = new Set<string>();

  constructor(rng: Random) {
    this.rng = rng;
  }

  /** Draw this run's loss, duplication and delay levels. */
  drawFaults(): void {
    this.faults = {
      lossRate: this.rng.next() * lossRateMax,
      duplicateRate: this.rng.next() * duplicateRateMax,
      delayMsCeiling: delayMsMin + this.rng.int(delayMsMax - delayMsMin + 1),
    };
  }

  /** Delivery times for one message sent now: none (lost), one, or two (duplicated). */
  route(from: number, to: number, nowMs: number): number[] {
    if (!this.linkUp(from, to) || this.inFlight >= inFlightMessagesMax) return [];
    if (this.rng.next() < this.faults.lossRate) return [];
    const times = [nowMs + this.delay()];
    if (this.rng.next() < this.faults.duplicateRate) times.push(nowMs + this.delay());
    this.inFlight += times.length;
    return times;
  }

  /** Called when a routed message reaches its time; false if the link was cut meanwhile. */
  arrive(from: number, to: number): boolean {
    this.inFlight--;
    return this.linkUp(from, to);
  }

  linkUp(from: number, to: number): boolean {
    return !this.cut.has(`${from}>${to}`);
  }

  cutOneWay(from: number, to: number): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Split the nodes into sides that cannot talk to each other at all. */
  partition(sides: readonly (readonly number[])[]): void {
    for (const a of sides) {
      for (const b of sides) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}>${y}`);
      }
    }
  }

  /** Cut a node off from every other node, both ways. */
  isolate(node: number, others: readonly number[]): void {
    for (const o of others) {
      if (o === node) continue;
      this.cut.add(`${node}>${o}`);
      this.cut.add(`${o}>${node}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  clearFaults(): void {
    this.faults = { lossRate: 0, duplicateRate: 0, delayMsCeiling: delayMsMin + 20 };
  }

  get cutLinks(): number {
    return this.cut.size;
  }

  private delay(): number {
    return delayMsMin + this.rng.int(this.faults.delayMsCeiling - delayMsMin + 1);
  }
}
