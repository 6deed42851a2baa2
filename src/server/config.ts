// Node configuration: every parameter, its type, default and unit in one table. Values come
// from defaults < YAML file < FLOE_* environment variables < command-line flags, and CONFIG
// GET/SET reach the same table at run time.

import {
  BIND_DEFAULT, CLIENT_OUTPUT_BUFFER_HARD_LIMIT_BYTES, CLIENT_OUTPUT_BUFFER_SOFT_LIMIT_BYTES,
  CLIENT_OUTPUT_BUFFER_SOFT_SECONDS, CLIENT_QUERY_BUFFER_LIMIT_BYTES, LFU_DECAY_TIME_MINUTES_DEFAULT,
  LFU_LOG_FACTOR_DEFAULT, MAXCLIENTS_DEFAULT, MAXMEMORY_SAMPLES_DEFAULT, PORT_DEFAULT, PROTO_MAX_BULK_LEN_BYTES,
  SLOWLOG_LOG_SLOWER_THAN_US_DEFAULT, SLOWLOG_MAX_LEN_DEFAULT,
} from '../constants.ts';
import { EVICTION_POLICIES } from '../store/evict.ts';
import { FloeError } from '../util/errors.ts';

export type ConfigValue = string | number;

interface ParamBase {
  name: string;
  /** Can CONFIG SET change it while running? */
  mutable: boolean;
  doc: string;
  /** Not shown by CONFIG GET (secrets are shown, as Redis does; this is for internal ones). */
  hidden?: boolean;
}

type Param =
  | (ParamBase & { kind: 'int'; default: number; min: number; max: number })
  | (ParamBase & { kind: 'memory'; default: number })
  | (ParamBase & { kind: 'enum'; default: string; values: readonly string[] })
  | (ParamBase & { kind: 'string'; default: string })
  | (ParamBase & { kind: 'bool'; default: string })
  | (ParamBase & { kind: 'obl'; default: string });

const I32 = 2 ** 31 - 1;

export const PARAMS: readonly Param[] = [
  { name: 'port', kind: 'int', default: PORT_DEFAULT, min: 0, max: 65535, mutable: false, doc: 'client port (TCP)' },
  { name: 'bind', kind: 'string', default: BIND_DEFAULT, mutable: false, doc: 'address to listen on' },
  { name: 'maxmemory', kind: 'memory', default: 0, mutable: true, doc: 'memory limit in bytes (0 = none)' },
  { name: 'maxmemory-policy', kind: 'enum', default: 'noeviction', values: EVICTION_POLICIES, mutable: true, doc: 'what to evict at maxmemory' },
  { name: 'maxmemory-samples', kind: 'int', default: MAXMEMORY_SAMPLES_DEFAULT, min: 1, max: 64, mutable: true, doc: 'keys sampled per eviction' },
  { name: 'lfu-log-factor', kind: 'int', default: LFU_LOG_FACTOR_DEFAULT, min: 0, max: I32, mutable: true, doc: 'LFU counter logarithm factor' },
  { name: 'lfu-decay-time', kind: 'int', default: LFU_DECAY_TIME_MINUTES_DEFAULT, min: 0, max: I32, mutable: true, doc: 'LFU counter decay period in minutes' },
  { name: 'requirepass', kind: 'string', default: '', mutable: true, doc: 'password for the default user (empty = none)' },
  { name: 'maxclients', kind: 'int', default: MAXCLIENTS_DEFAULT, min: 1, max: I32, mutable: true, doc: 'most simultaneous client connections' },
  { name: 'timeout', kind: 'int', default: 0, min: 0, max: I32, mutable: true, doc: 'close idle clients after this many seconds (0 = never)' },
  { name: 'proto-max-bulk-len', kind: 'memory', default: PROTO_MAX_BULK_LEN_BYTES, mutable: true, doc: 'largest bulk string in bytes' },
  { name: 'client-query-buffer-limit', kind: 'memory', default: CLIENT_QUERY_BUFFER_LIMIT_BYTES, mutable: true, doc: 'largest unparsed input per client in bytes' },
  { name: 'client-output-buffer-limit', kind: 'obl', default: `normal ${CLIENT_OUTPUT_BUFFER_HARD_LIMIT_BYTES} ${CLIENT_OUTPUT_BUFFER_SOFT_LIMIT_BYTES} ${CLIENT_OUTPUT_BUFFER_SOFT_SECONDS}`, mutable: true, doc: 'normal <hard bytes> <soft bytes> <soft seconds>' },
  { name: 'slowlog-log-slower-than', kind: 'int', default: SLOWLOG_LOG_SLOWER_THAN_US_DEFAULT, min: -1, max: I32, mutable: true, doc: 'log commands slower than this many microseconds (-1 = off)' },
  { name: 'slowlog-max-len', kind: 'int', default: SLOWLOG_MAX_LEN_DEFAULT, min: 0, max: 1_000_000, mutable: true, doc: 'slow log entries kept' },
  { name: 'hz', kind: 'int', default: 10, min: 1, max: 500, mutable: true, doc: 'background task frequency per second' },
  { name: 'databases', kind: 'int', default: 1, min: 1, max: 1, mutable: false, doc: 'number of databases (Floe has db 0 only)' },
  { name: 'tls-port', kind: 'int', default: 0, min: 0, max: 65535, mutable: false, doc: 'TLS client port (0 = off)' },
  { name: 'tls-cert-file', kind: 'string', default: '', mutable: false, doc: 'server certificate (PEM)' },
  { name: 'tls-key-file', kind: 'string', default: '', mutable: false, doc: 'server private key (PEM)' },
  { name: 'tls-ca-cert-file', kind: 'string', default: '', mutable: false, doc: 'CA bundle; when set, clients must present a certificate it signed' },
  // Replication (docs/replication.md). Without `peers` and `dir` the node is a single,
  // memory-only server; with them it runs the keyspace behind Raft on a write-ahead log.
  { name: 'id', kind: 'string', default: '', mutable: false, doc: 'this node\'s name in --peers (n1, n2, ...)' },
  { name: 'peers', kind: 'string', default: '', mutable: false, doc: 'every voter at bootstrap: n1=host:port,n2=host:port,... (client addresses)' },
  { name: 'join', kind: 'bool', default: 'no', mutable: false, doc: 'start empty and wait to be added to an existing cluster (floe cluster add-node)' },
  { name: 'dir', kind: 'string', default: '', mutable: false, doc: 'data directory for the WAL and snapshots' },
  { name: 'fsync', kind: 'enum', default: 'always', values: ['always', 'everysec', 'none'], mutable: false, doc: 'when the WAL is fsynced (see docs/replication.md for the risk of each)' },
  { name: 'routing', kind: 'enum', default: 'proxy', values: ['proxy', 'redirect'], mutable: false, doc: 'a follower proxies commands to the leader, or answers -MOVED' },
  { name: 'cluster-id', kind: 'string', default: 'floe', mutable: false, doc: 'nodes of different clusters refuse each other' },
  { name: 'tick-ms', kind: 'int', default: 100, min: 10, max: 10_000, mutable: false, doc: 'Raft tick period in milliseconds' },
  { name: 'election-timeout-ms', kind: 'int', default: 1000, min: 100, max: 60_000, mutable: false, doc: 'Raft election timeout in milliseconds (randomized up to 2x)' },
  { name: 'lease-drift-ms', kind: 'int', default: 200, min: 0, max: 60_000, mutable: false, doc: 'clock-drift margin in milliseconds: leader leases end this long before another leader could be elected' },
  { name: 'snapshot-log-bytes', kind: 'memory', default: 64 * 1024 * 1024, mutable: true, doc: 'take a snapshot when the log since the last one passes this many bytes' },
  { name: 'snapshot-slice-ms', kind: 'int', default: 10, min: 0, max: 1000, mutable: true, doc: 'a snapshot is built this many milliseconds per event-loop turn (0: one 64 KiB chunk per turn), so a large keyspace never stalls the node' },
  { name: 'cluster-wait-ms', kind: 'int', default: 5000, min: 1, max: 600_000, mutable: true, doc: 'how long a command waits for a leader before -CLUSTERDOWN, in milliseconds' },
  // Compact encodings of small collections (docs/collections.md): past these a collection
  // converts to its large form. Redis's names, defaults and units.
  { name: 'hash-max-listpack-entries', kind: 'int', default: 128, min: 0, max: I32, mutable: true, doc: 'most fields of a hash in its compact encoding' },
  { name: 'hash-max-listpack-value', kind: 'memory', default: 64, mutable: true, doc: 'longest field or value (bytes) of a hash in its compact encoding' },
  { name: 'set-max-intset-entries', kind: 'int', default: 512, min: 0, max: I32, mutable: true, doc: 'most members of an all-integer set in its intset encoding' },
  { name: 'set-max-listpack-entries', kind: 'int', default: 128, min: 0, max: I32, mutable: true, doc: 'most members of a set in its compact encoding' },
  { name: 'set-max-listpack-value', kind: 'memory', default: 64, mutable: true, doc: 'longest member (bytes) of a set in its compact encoding' },
  { name: 'zset-max-listpack-entries', kind: 'int', default: 128, min: 0, max: I32, mutable: true, doc: 'most members of a sorted set in its compact encoding' },
  { name: 'zset-max-listpack-value', kind: 'memory', default: 64, mutable: true, doc: 'longest member (bytes) of a sorted set in its compact encoding' },
  { name: 'list-max-listpack-size', kind: 'int', default: -2, min: -5, max: I32, mutable: true, doc: 'list listpack limit: > 0 entries, -1..-5 size 4/8/16/32/64 KiB' },
  { name: 'save', kind: 'string', default: '', mutable: true, doc: 'RDB snapshot schedule: accepted for compatibility (tools set it to ""), never used; Floe persists through its Raft log' },
  { name: 'appendonly', kind: 'bool', default: 'no', mutable: false, doc: 'AOF (Floe persists through its Raft WAL instead; always no)' },
];

const BY_NAME = new Map(PARAMS.map((p) => [p.name, p]));

const MEMORY_UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
};

/** Parses Redis's memory notation: 100, 1k, 10kb, 2mb, 1gb (case-insensitive). */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)([a-z]*)$/i.exec(s.trim());
  if (m === null) return null;
  const unit = MEMORY_UNITS[(m[2] as string).toLowerCase()];
  if (unit === undefined) return null;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : null;
}

function parseOutputBufferLimit(s: string): string | null {
  const parts = s.trim().split(/\s+/);
  if (parts.length !== 4 || (parts[0] as string).toLowerCase() !== 'normal') return null;
  const hard = parseMemory(parts[1] as string);
  const soft = parseMemory(parts[2] as string);
  const secs = /^\d+$/.test(parts[3] as string) ? Number(parts[3]) : null;
  if (hard === null || soft === null || secs === null) return null;
  return `normal ${hard} ${soft} ${secs}`;
}

/** Validates and normalises a value; returns it, or an error message (without the name). */
export function parseParam(p: Param, raw: string): ConfigValue | { error: string } {
  switch (p.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return { error: 'argument couldn\'t be parsed into an integer' };
      const n = Number(raw.trim());
      if (n < p.min || n > p.max) return { error: `argument must be between ${p.min} and ${p.max} inclusive` };
      return n;
    }
    case 'memory': {
      const n = parseMemory(raw);
      return n === null ? { error: 'argument must be a memory value' } : n;
    }
    case 'enum': {
      const v = raw.trim().toLowerCase();
      return p.values.includes(v) ? v : { error: `argument(s) must be one of the following: ${p.values.join(', ')}` };
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      return v === 'yes' || v === 'no' ? v : { error: 'argument must be \'yes\' or \'no\'' };
    }
    case 'obl': {
      const v = parseOutputBufferLimit(raw);
      return v === null ? { error: 'argument must be \'normal <hard> <soft> <seconds>\'' } : v;
    }
    case 'string':
      return raw;
  }
}

export class Config {
  private readonly values = new Map<string, ConfigValue>();
  /** Called after a CONFIG SET changes a value. */
  onChange: ((name: string) => void) | null = null;
  /** The YAML file the node was started with, if any (INFO config_file). */
  file = '';

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.default);
  }

  static has(name: string): boolean {
    return BY_NAME.has(name);
  }

  num(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== 'number') throw new Error(`config ${name} is not numeric`);
    return v;
  }

  str(name: string): string {
    return String(this.values.get(name) ?? '');
  }

  /** Sets a value from any source; throws FloeError naming the setting when it is invalid. */
  setFromSource(name: string, raw: string, source: string): void {
    const p = BY_NAME.get(name);
    if (p === undefined) throw new FloeError('FLOE_ERR_CONFIG', `unknown setting '${name}' (from ${source})`);
    const v = parseParam(p, raw);
    if (typeof v === 'object') throw new FloeError('FLOE_ERR_CONFIG', `invalid value for '${name}' (from ${source}): ${JSON.stringify(raw)} — ${v.error}`);
    this.values.set(name, v);
  }

  /** CONFIG SET's check: null when `raw` may be set, else Redis's error text. */
  check(name: string, raw: string): string | null {
    const p = BY_NAME.get(name);
    if (p === undefined) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
    if (!p.mutable) return `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`;
    const v = parseParam(p, raw);
    if (typeof v === 'object') return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${v.error}`;
    return null;
  }

  /** CONFIG SET: returns null or the error. */
  set(name: string, raw: string): string | null {
    const problem = this.check(name, raw);
    if (problem !== null) return problem;
    const v = parseParam(BY_NAME.get(name) as Param, raw) as ConfigValue;
    this.values.set(name, v);
    this.onChange?.(name);
    return null;
  }

  /** CONFIG GET pattern: matching [name, value] pairs. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const p of PARAMS) if (p.hidden !== true) out.push([p.name, String(this.values.get(p.name))]);
    return out;
  }
}

export const CONFIG_PARAMS = PARAMS;
