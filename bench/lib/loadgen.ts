// The Node load generator, open loop: requests are scheduled at a fixed rate whatever the
// server does, and latency is measured from each request's *intended* send time, so a
// server stall shows up in every request it delayed (coordinated-omission correction, as in
// wrk2). The uncorrected latency (from the actual send) is kept alongside for comparison.

import { performance } from 'node:perf_hooks';
import { RespClient, RespError, type Reply } from './resp.ts';
import { LatencyHistogram, type LatencySummary } from './hist.ts';

/** After the schedule ends, in-flight and queued requests get this long to finish. */
const drainTimeoutMs = 30_000;
/** A backlog this many seconds of requests deep means the server cannot keep up: stop. */
const backlogSecondsMax = 10;
/** Below this gap to the next send, poll with setImmediate; timers fire ~1 ms late at best. */
const pollGapMs = 2;

export type Request = { bytes: Buffer; kind: 'read' | 'write' };
export type RequestSource = () => Request;

export type OpenLoopOptions = {
  host: string;
  port: number;
  /** Connections, each with at most one request in flight (like a non-pipelined client). */
  connections: number;
  ratePerSec: number;
  durationMs: number;
  /** Requests intended before this many ms into the run are sent but not recorded. */
  warmupMs?: number;
  next: RequestSource;
};

export type OpenLoopResult = {
  intended: number;
  completed: number;
  errors: number;
  firstError?: string;
  /** Read replies that carried a value, and read replies that were nil. */
  hits: number;
  misses: number;
  durationMs: number;
  achievedRps: number;
  /** True if the run stopped early because the backlog passed its bound. */
  overloaded: boolean;
  corrected: LatencySummary;
  uncorrected: LatencySummary;
  correctedHistogram: LatencyHistogram;
  uncorrectedHistogram: LatencyHistogram;
};

type Pending = { intendedMs: number };

export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const clients = await Promise.all(Array.from({ length: o.connections }, () => RespClient.connect(o.host, o.port)));
  try {
    return await new OpenLoopRun(o, clients).run();
  } finally {
    for (const c of clients) c.close();
  }
}

class OpenLoopRun {
  private readonly o: OpenLoopOptions;
  private readonly idle: RespClient[];
  private readonly intervalMs: number;
  private readonly total: number;
  private readonly backlog: Pending[] = [];
  private backlogHead = 0;
  private scheduled = 0;
  private inFlight = 0;
  private lost = 0;
  private stopped = false;
  private t0 = 0;
  private lastDoneMs = 0;
  private readonly r: Omit<OpenLoopResult, 'corrected' | 'uncorrected' | 'achievedRps' | 'durationMs'>;
  private finish: () => void = () => {};

  constructor(o: OpenLoopOptions, clients: RespClient[]) {
    this.o = o;
    this.idle = [...clients];
    this.intervalMs = 1000 / o.ratePerSec;
    this.total = Math.max(1, Math.floor((o.durationMs / 1000) * o.ratePerSec));
    this.r = {
      intended: 0, completed: 0, errors: 0, hits: 0, misses: 0, overloaded: false,
      correctedHistogram: new LatencyHistogram(), uncorrectedHistogram: new LatencyHistogram(),
    };
  }

  async run(): Promise<OpenLoopResult> {
    this.t0 = performance.now();
    const done = new Promise<void>((resolve) => {
      this.finish = () => {
        this.stopped = true;
        resolve();
      };
    });
    this.tick();
    const drain = setTimeout(() => this.finish(), drainDeadlineMs(this.o));
    await done;
    clearTimeout(drain);
    const durationMs = Math.max(1, this.lastDoneMs - this.t0);
    return {
      ...this.r,
      durationMs,
      achievedRps: (this.r.completed / durationMs) * 1000,
      corrected: this.r.correctedHistogram.summary(),
      uncorrected: this.r.uncorrectedHistogram.summary(),
    };
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now();
    while (this.scheduled < this.total && this.t0 + this.scheduled * this.intervalMs <= now) {
      this.backlog.push({ intendedMs: this.t0 + this.scheduled * this.intervalMs });
      this.scheduled++;
    }
    if (this.backlog.length - this.backlogHead > this.o.ratePerSec * backlogSecondsMax) {
      this.r.overloaded = true;
      this.scheduled = this.total; // stop scheduling; what is queued is dropped below
      this.backlog.length = 0;
      this.backlogHead = 0;
    }
    this.dispatch();
    if (this.scheduled >= this.total) {
      this.maybeFinish();
      return;
    }
    const gap = this.t0 + this.scheduled * this.intervalMs - performance.now();
    if (gap < pollGapMs) setImmediate(() => this.tick());
    else setTimeout(() => this.tick(), gap - 1);
  }

  private dispatch(): void {
    while (this.backlogHead < this.backlog.length && this.idle.length > 0) {
      const p = this.backlog[this.backlogHead++];
      const client = this.idle.pop();
      if (p === undefined || client === undefined) break;
      this.send(client, p);
    }
    if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog.splice(0, this.backlogHead);
      this.backlogHead = 0;
    }
  }

  private send(client: RespClient, p: Pending): void {
    const req = this.o.next();
    const sentMs = performance.now();
    this.inFlight++;
    this.r.intended++;
    client.sendEncoded(req.bytes, (reply) => this.onReply(client, p, sentMs, req.kind, reply));
  }

  private onReply(client: RespClient, p: Pending, sentMs: number, kind: Request['kind'], reply: Reply): void {
    const now = performance.now();
    this.inFlight--;
    this.lastDoneMs = now;
    if (reply instanceof RespError) {
      this.r.errors++;
      this.r.firstError ??= reply.message;
    } else {
      this.r.completed++;
      if (kind === 'read') {
        if (reply === null) this.r.misses++;
        else this.r.hits++;
      }
      if (p.intendedMs - this.t0 >= (this.o.warmupMs ?? 0)) {
        this.r.correctedHistogram.recordUs((now - p.intendedMs) * 1000);
        this.r.uncorrectedHistogram.recordUs((now - sentMs) * 1000);
      }
    }
    // A broken connection is not reused: it would fail every request at once.
    if (reply instanceof RespError && reply.message.startsWith('BENCHCONN')) this.lost++;
    else this.idle.push(client);
    this.dispatch();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    const drained = this.scheduled >= this.total && this.backlogHead >= this.backlog.length;
    const allLost = this.lost >= this.o.connections;
    if (this.inFlight === 0 && (drained || allLost)) this.finish();
  }
}

function drainDeadlineMs(o: OpenLoopOptions): number {
  return o.durationMs + drainTimeoutMs;
}
