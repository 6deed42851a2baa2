// The shape of a command: CommandSpec describes it as data (arity, flags, key positions) and
// every handler has the same signature. The dispatcher checks arity, authentication, OOM and
// routing once, before any handler runs.

import type { Reply } from '../protocol/reply.ts';
import type { Keyspace } from '../store/keyspace.ts';
import type { Random } from '../util/prng.ts';

/** Command flags, as a bitmask (Redis's CMD_* flags, the ones Floe uses). */
export const F = {
  WRITE: 1 << 0, // changes the keyspace: replicated, refused under OOM if also DENYOOM
  READONLY: 1 << 1, // reads the keyspace only
  DENYOOM: 1 << 2, // may grow memory: refused when maxmemory is exceeded and nothing can be evicted
  ADMIN: 1 << 3,
  FAST: 1 << 4, // O(1) or O(log n)
  NOAUTH: 1 << 5, // allowed before AUTH (AUTH, HELLO, QUIT, RESET)
  BLOCKING: 1 << 6,
  NO_MULTI: 1 << 7, // cannot be queued inside MULTI
  LOCAL: 1 << 8, // connection or server state only; never goes through the log
  RANDOM: 1 << 9, // output depends on randomness (drawn from ctx.random)
  LOADING: 1 << 10,
  STALE: 1 << 11,
  SKIP_SLOWLOG: 1 << 12,
  ALLOW_BUSY: 1 << 13,
  NO_PROPAGATE: 1 << 14,
} as const;

/** A handler answers at once, or later (WAIT, blocking pops) with a promise. */
export type Handler = (ctx: ExecContext, args: string[]) => Reply | Promise<Reply>;

export interface CommandSpec {
  /** Lower case; a subcommand is "parent|sub". */
  readonly name: string;
  /** Redis arity: n ≥ 0 exactly n arguments including the name; -n at least n. */
  readonly arity: number;
  readonly flags: number;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly handler: Handler;
  /** For commands whose keys a numkeys argument locates (ZUNIONSTORE, LMPOP…): key indexes. */
  readonly keys?: (args: string[]) => number[];
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  readonly complexity?: string;
  /** Container commands (CLIENT, CONFIG…) list their subcommands. */
  readonly subcommands?: readonly CommandSpec[];
}

/** Connection state a handler may read or change (connection commands only). */
export interface ClientContext {
  readonly id: number;
  name: string;
  proto: 2 | 3;
  authenticated: boolean;
  user: string;
  libName: string;
  libVer: string;
  noEvict: boolean;
  /** Set by QUIT: the connection closes after this reply. */
  closeAfterReply: boolean;
  /** Connection-level RESET of everything above plus MULTI/WATCH state. */
  reset(): void;
}

/** Everything a server command needs from the node; implemented in src/server/. */
export interface ServerContext {
  readonly startedAtMs: number;
  configGet(pattern: string): [string, string][];
  /** Sets a parameter; null on success or the error message. */
  configSet(name: string, value: string): string | null;
  /** Checks a parameter value without applying it; null or the error message. */
  configCheck(name: string, value: string): string | null;
  resetStats(): void;
  info(sections: string[]): string;
  clientList(filter: { ids?: number[]; self?: ClientContext }): string;
  clientInfo(client: ClientContext): string;
  /** Kills matching clients; returns how many. */
  clientKill(filter: ClientKillFilter, self: ClientContext): number;
  checkPassword(user: string, password: string): boolean;
  passwordRequired(): boolean;
  slowlogGet(count: number): Reply;
  slowlogLen(): number;
  slowlogReset(): void;
  /** Called after FLUSHALL/FLUSHDB so eviction pools forget stale keys. */
  afterFlush(): void;
  commandTable(): ReadonlyMap<string, CommandSpec>;
  lfuEnabled(): boolean;
  /** proto-max-bulk-len in bytes: the largest string a command may create. */
  protoMaxBulkLen(): number;
}

export interface ClientKillFilter {
  addr?: string;
  laddr?: string;
  id?: number;
  user?: string;
  skipMe: boolean;
}

export interface ExecContext {
  db: Keyspace;
  /** The time the command takes effect at: the leader's clock, carried in the log entry. */
  nowMs: number;
  /** Randomness for RANDOM commands, seeded from the log entry on replicated paths. */
  random: Random;
  client: ClientContext;
  server: ServerContext;
}

interface SpecInput {
  name: string;
  arity: number;
  flags: number;
  keys?: [first: number, last: number, step: number];
  keyFn?: (args: string[]) => number[];
  group: string;
  summary: string;
  since?: string;
  complexity?: string;
  subcommands?: readonly CommandSpec[];
  handler: Handler;
}

/** Builds a CommandSpec with defaults (no keys, since 1.0.0). */
export function cmd(s: SpecInput): CommandSpec {
  const [firstKey, lastKey, step] = s.keys ?? [0, 0, 0];
  const spec: CommandSpec = {
    name: s.name,
    arity: s.arity,
    flags: s.flags,
    firstKey,
    lastKey,
    step,
    handler: s.handler,
    group: s.group,
    summary: s.summary,
    since: s.since ?? '1.0.0',
    ...(s.keyFn !== undefined ? { keys: s.keyFn } : {}),
    ...(s.complexity !== undefined ? { complexity: s.complexity } : {}),
    ...(s.subcommands !== undefined ? { subcommands: s.subcommands } : {}),
  };
  return spec;
}

/** Indexes of the key arguments of a command (for routing, WATCH, ACL, COMMAND GETKEYS). */
export function keyIndexes(spec: CommandSpec, args: string[]): number[] {
  if (spec.keys !== undefined) return spec.keys(args);
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}
