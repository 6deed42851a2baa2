// The slow log: commands that took longer than slowlog-log-slower-than, newest first, at most
// slowlog-max-len entries, each with its arguments trimmed as Redis trims them.

import { SLOWLOG_ARG_LENGTH_MAX_BYTES, SLOWLOG_ARGS_MAX } from '../constants.ts';
import type { Reply } from '../protocol/reply.ts';

interface SlowlogEntry {
  id: number;
  timeSeconds: number;
  durationUs: number;
  args: string[];
  addr: string;
  name: string;
}

export class Slowlog {
  private entries: SlowlogEntry[] = []; // newest last
  private nextId = 0;
  maxLen: number;

  constructor(maxLen: number) {
    this.maxLen = maxLen;
  }

  add(args: string[], durationUs: number, nowMs: number, addr: string, name: string): void {
    if (this.maxLen <= 0) return;
    const kept: string[] = [];
    const n = Math.min(args.length, SLOWLOG_ARGS_MAX);
    for (let i = 0; i < n; i++) {
      const a = args[i] as string;
      // The last slot says how many arguments were left out, as Redis does.
      if (i === SLOWLOG_ARGS_MAX - 1 && args.length > SLOWLOG_ARGS_MAX) {
        kept.push(`... (${args.length - SLOWLOG_ARGS_MAX + 1} more arguments)`);
        break;
      }
      kept.push(a.length > SLOWLOG_ARG_LENGTH_MAX_BYTES
        ? `${a.slice(0, SLOWLOG_ARG_LENGTH_MAX_BYTES)}... (${a.length - SLOWLOG_ARG_LENGTH_MAX_BYTES} more bytes)`
        : a);
    }
    this.entries.push({ id: this.nextId++, timeSeconds: Math.floor(nowMs / 1000), durationUs, args: kept, addr, name });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.splice(0, this.entries.length - this.maxLen);
  }

  get length(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
  }

  get(count: number): Reply {
    const out: Reply[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < count; i--) {
      const e = this.entries[i] as SlowlogEntry;
      out.push([e.id, e.timeSeconds, e.durationUs, e.args, e.addr, e.name]);
    }
    return out;
  }
}
