// The run's trace: one text line per simulated event. The whole trace is folded into a
// SHA-256 hash (same seed ⇒ same hash, byte for byte), and only the last lines are kept, in a
// ring, for the failure report; a long run never holds its whole trace in memory.

import { createHash, type Hash } from 'node:crypto';

/** Lines kept for a failure report. */
export const traceLinesKept = 50;

export class Trace {
  events = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly ring: string[] = [];
  private ringNext = 0;
  private readonly linesKept: number;
  /** When set, every line is also passed here (used by `floe sim --verbose`). */
  private readonly sink: ((line: string) => void) | undefined;

  constructor(linesKept = traceLinesKept, sink?: (line: string) => void) {
    this.linesKept = linesKept;
    this.sink = sink;
  }

  add(timeMs: number, line: string): void {
    const full = `${this.events} t=${timeMs} ${line}`;
    this.events++;
    this.hash.update(full);
    this.hash.update('\n');
    if (this.ring.length < this.linesKept) this.ring.push(full);
    else this.ring[this.ringNext] = full;
    this.ringNext = (this.ringNext + 1) % this.linesKept;
    if (this.sink !== undefined) this.sink(full);
  }

  /** The last lines, oldest first. */
  tail(): string[] {
    if (this.ring.length < this.linesKept) return [...this.ring];
    return [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }

  /** The hash of everything so far; call once, at the end of a run. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
