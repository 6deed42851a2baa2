// INFO's text: sections of `field:value` lines with Redis's field names, so tools that parse
// Redis's INFO (redis-cli, exporters, client ready checks) read Floe's the same way.

import { arch, cpus, platform, release, totalmem } from 'node:os';
import { FLOE_VERSION, REDIS_COMPAT_VERSION } from '../constants.ts';

export interface InfoSource {
  section(name: string): [string, string | number][] | null;
}

export const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'raft', 'cpu', 'keyspace'];

export function renderInfo(src: InfoSource, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.includes('default')) names = DEFAULT_SECTIONS;
  else if (requested.includes('all') || requested.includes('everything')) names = DEFAULT_SECTIONS;
  else names = requested;
  const parts: string[] = [];
  for (const name of names) {
    const fields = src.section(name);
    if (fields === null) continue;
    const title = name === 'cpu' ? 'CPU' : name[0]?.toUpperCase() + name.slice(1);
    parts.push(`# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}`).join('\r\n')}${fields.length > 0 ? '\r\n' : ''}`);
  }
  return parts.join('\r\n');
}

/** Bytes in Redis's human form: 1.50M, 812.00K, 17B. */
export function humanBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n}B` : `${v.toFixed(2)}${units[i] as string}`;
}

export function serverSection(port: number, startedAtMs: number, nowMs: number, runId: string, hz: number, configFile: string): [string, string | number][] {
  const uptime = Math.floor((nowMs - startedAtMs) / 1000);
  return [
    ['redis_version', REDIS_COMPAT_VERSION],
    ['floe_version', FLOE_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_mode', 'standalone'],
    ['os', `${platform()} ${release()} ${arch()}`],
    ['arch_bits', 64],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', runId],
    ['tcp_port', port],
    ['server_time_usec', nowMs * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['executable', process.argv[1] ?? ''],
    ['config_file', configFile],
    ['node_version', process.version],
    ['cpu_cores', cpus().length],
    ['total_system_memory', totalmem()],
  ];
}
