// The replicated state machine the simulator runs on every node: a key-value register map,
// plus a count of how many times each write was applied, so that the end of a run can check
// that every acknowledged write took effect exactly once. Snapshots are its JSON encoding.

import { assert } from '../util/assert.ts';

/** A client write as carried in a log entry's data. */
export interface PutCommand {
  opId: number;
  clientId: number;
  key: string;
  value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodePut(cmd: PutCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/** Decode an entry's data; empty data (a leader's no-op) gives undefined. */
export function decodePut(data: Uint8Array): PutCommand | undefined {
  if (data.length === 0) return undefined;
  const v: unknown = JSON.parse(decoder.decode(data));
  assert(isPut(v), 'log entry is not a put command');
  return v;
}

function isPut(v: unknown): v is PutCommand {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['opId'] === 'number' && typeof o['clientId'] === 'number' && typeof o['key'] === 'string' && typeof o['value'] === 'string';
}

export class KvStateMachine {
  readonly data = new Map<string, string>();
  /** opId → how many times that write was applied (more than once is a bug). */
  readonly applyCounts = new Map<number, number>();
  appliedIndex = 0;

  apply(index: number, cmd: PutCommand | undefined): void {
    assert(index === this.appliedIndex + 1, `apply out of order: ${index} after ${this.appliedIndex}`);
    this.appliedIndex = index;
    if (cmd === undefined) return;
    this.data.set(cmd.key, cmd.value);
    this.applyCounts.set(cmd.opId, (this.applyCounts.get(cmd.opId) ?? 0) + 1);
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    const body = { index: this.appliedIndex, data: [...this.data], counts: [...this.applyCounts] };
    return encoder.encode(JSON.stringify(body));
  }

  restore(bytes: Uint8Array, index: number): void {
    const body = JSON.parse(decoder.decode(bytes)) as { index: number; data: [string, string][]; counts: [number, number][] };
    assert(body.index === index, `snapshot data is for index ${body.index}, metadata says ${index}`);
    this.data.clear();
    for (const [k, v] of body.data) this.data.set(k, v);
    this.applyCounts.clear();
    for (const [k, v] of body.counts) this.applyCounts.set(k, v);
    this.appliedIndex = index;
  }
}
