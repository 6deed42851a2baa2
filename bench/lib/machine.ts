// The machine a run happened on, stored with every result so figures are never read without
// knowing the CPU, core count, memory and Node version behind them.

import os from 'node:os';
import type { Machine } from './types.ts';

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** A file-name-safe UTC timestamp, sortable: 2025-01-31-235959. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '').replace('T', '-').replaceAll(':', '');
}
