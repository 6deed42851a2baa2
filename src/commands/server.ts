// Server commands: INFO, CONFIG, DBSIZE, FLUSHDB/FLUSHALL, TIME, COMMAND, MEMORY, OBJECT and
// SLOWLOG. Most read node state through ctx.server; FLUSH* and OBJECT touch the keyspace.

import {
  err, ERR_NOT_INTEGER, ERR_SYNTAX, MapReply, OK, SetReply, SimpleString, VerbatimReply, type Reply,
} from '../protocol/reply.ts';
import type { Entry } from '../store/keyspace.ts';
import { valueBytes, stringBytes } from '../store/memory.ts';
import { KEY_OVERHEAD_BYTES } from '../constants.ts';
import { globMatch } from '../util/glob.ts';
import { parseBigInt, parseInteger } from './args.ts';
import { cmd, F, keyIndexes, type CommandSpec, type ExecContext } from './types.ts';

const g = 'server';

function configGet(ctx: ExecContext, args: string[]): Reply {
  const seen = new Map<string, string>();
  for (let i = 2; i < args.length; i++) {
    for (const [k, v] of ctx.server.configGet((args[i] as string).toLowerCase())) seen.set(k, v);
  }
  const out: Reply[] = [];
  for (const [k, v] of seen) out.push(k, v);
  return new MapReply(out);
}

function configSet(ctx: ExecContext, args: string[]): Reply {
  if (args.length % 2 !== 0) return err("ERR wrong number of arguments for 'config|set' command");
  // All or nothing: check every pair before applying any, as Redis 7 does.
  const names = new Set<string>();
  for (let i = 2; i < args.length; i += 2) {
    const name = (args[i] as string).toLowerCase();
    if (names.has(name)) return err(`ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`);
    names.add(name);
    const problem = ctx.server.configCheck(name, args[i + 1] as string);
    if (problem !== null) return err(problem);
  }
  for (let i = 2; i < args.length; i += 2) {
    const problem = ctx.server.configSet((args[i] as string).toLowerCase(), args[i + 1] as string);
    if (problem !== null) return err(problem);
  }
  return OK;
}

function flush(ctx: ExecContext, args: string[]): Reply {
  if (args.length > 2) return ERR_SYNTAX;
  if (args.length === 2) {
    const mode = (args[1] as string).toUpperCase();
    if (mode !== 'ASYNC' && mode !== 'SYNC') return ERR_SYNTAX;
  }
  ctx.db.flush();
  ctx.server.afterFlush();
  return OK;
}

function encodingOf(e: Entry): string {
  const v = e.v;
  if (typeof v !== 'string') return v.encoding();
  if (v.length <= 20 && parseBigInt(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

const LFU_NOT_SELECTED = 'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED = 'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

function objectSub(name: string, summary: string, since: string, fn: (ctx: ExecContext, e: Entry) => Reply): CommandSpec {
  return cmd({ name: `object|${name}`, arity: 3, flags: F.READONLY, keys: [2, 2, 1], group: 'generic', since, summary,
    handler: (ctx, a) => {
      const e = ctx.db.peek(a[2] as string, ctx.nowMs);
      return e === undefined ? null : fn(ctx, e);
    } });
}

const objectSubs: CommandSpec[] = [
  objectSub('encoding', 'Returns the internal encoding of a Redis object.', '2.2.3', (_ctx, e) => encodingOf(e)),
  objectSub('refcount', 'Returns the reference count of a value of a key.', '2.2.3', () => 1),
  objectSub('idletime', 'Returns the time since the last access to a Redis object.', '2.2.3', (ctx, e) =>
    ctx.server.lfuEnabled() ? err(LFU_SELECTED) : ctx.db.idleSeconds(e, ctx.nowMs)),
  objectSub('freq', 'Returns the logarithmic access frequency counter of a Redis object.', '4.0.0', (ctx, e) =>
    ctx.server.lfuEnabled() ? ctx.db.lfuDecayed(e.meta, ctx.nowMs) : err(LFU_NOT_SELECTED)),
  cmd({ name: 'object|help', arity: 2, flags: F.LOCAL, group: 'generic', since: '6.2.0', summary: 'Returns helpful text about the different subcommands.',
    handler: () => [
      'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'ENCODING <key>', 'FREQ <key>', 'IDLETIME <key>', 'REFCOUNT <key>', 'HELP',
    ].map((s) => new SimpleString(s)) }),
];

function memoryUsage(ctx: ExecContext, args: string[]): Reply {
  if (args.length !== 3 && args.length !== 5) return ERR_SYNTAX;
  if (args.length === 5) {
    if ((args[3] as string).toUpperCase() !== 'SAMPLES') return ERR_SYNTAX;
    if (parseInteger(args[4] as string) === null) return ERR_NOT_INTEGER;
  }
  const key = args[2] as string;
  const e = ctx.db.peek(key, ctx.nowMs);
  if (e === undefined) return null;
  return KEY_OVERHEAD_BYTES + stringBytes(key) + valueBytes(e.v);
}

// ---- COMMAND ---------------------------------------------------------------------------

const FLAG_NAMES: [number, string][] = [
  [F.WRITE, 'write'], [F.READONLY, 'readonly'], [F.DENYOOM, 'denyoom'], [F.ADMIN, 'admin'],
  [F.NOAUTH, 'no_auth'], [F.BLOCKING, 'blocking'], [F.NO_MULTI, 'no_multi'], [F.LOADING, 'loading'],
  [F.STALE, 'stale'], [F.FAST, 'fast'],
];

// ACL categories in Redis's order (the order of its category bits), derived from the group and
// flags, so COMMAND INFO reads like Redis's: GET is @read @string @fast.
const GROUP_CATEGORY: Record<string, string> = {
  generic: 'keyspace', string: 'string', hash: 'hash', list: 'list', set: 'set', sorted_set: 'sortedset',
  connection: 'connection', transactions: 'transaction',
};

function aclCategories(spec: CommandSpec): SetReply {
  const cat = GROUP_CATEGORY[spec.group];
  const has = (bit: number) => (spec.flags & bit) !== 0;
  const out: string[] = [];
  if (cat === 'keyspace') out.push('keyspace');
  if (has(F.READONLY)) out.push('read');
  if (has(F.WRITE)) out.push('write');
  if (cat !== undefined && cat !== 'keyspace' && cat !== 'connection' && cat !== 'transaction') out.push(cat);
  if (has(F.ADMIN)) out.push('admin');
  out.push(has(F.FAST) ? 'fast' : 'slow');
  if (has(F.BLOCKING)) out.push('blocking');
  if (has(F.ADMIN)) out.push('dangerous');
  if (cat === 'connection' || cat === 'transaction') out.push(cat);
  return new SetReply(out.map((c) => new SimpleString(`@${c}`)));
}

function keySpecFlags(spec: CommandSpec): SetReply {
  if ((spec.flags & F.WRITE) !== 0) return new SetReply([new SimpleString('RW'), new SimpleString('update')]);
  if ((spec.flags & F.READONLY) !== 0) return new SetReply([new SimpleString('RO'), new SimpleString('access')]);
  return new SetReply([]);
}

/** One COMMAND INFO entry: Redis 7's ten fields; RESP3 gets sets where Redis sends sets. */
function commandInfo(spec: CommandSpec): Reply {
  const flags = FLAG_NAMES.filter(([bit]) => (spec.flags & bit) !== 0).map(([, n]) => new SimpleString(n));
  const keySpecs: Reply[] = spec.firstKey > 0
    ? [new MapReply([
      'flags', keySpecFlags(spec),
      'begin_search', new MapReply(['type', 'index', 'spec', new MapReply(['index', spec.firstKey])]),
      'find_keys', new MapReply(['type', 'range', 'spec', new MapReply(['lastkey', spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey, 'keystep', spec.step, 'limit', 0])]),
    ])]
    : [];
  const tips = (spec.flags & F.RANDOM) !== 0 ? [new SimpleString('nondeterministic_output')] : [];
  return [
    spec.name, spec.arity, new SetReply(flags), spec.firstKey, spec.lastKey, spec.step,
    aclCategories(spec), new SetReply(tips), new SetReply(keySpecs),
    new SetReply((spec.subcommands ?? []).map(commandInfo)),
  ];
}

function commandDocs(spec: CommandSpec): Reply {
  const doc: Reply[] = ['summary', spec.summary, 'since', spec.since, 'group', spec.group];
  if (spec.complexity !== undefined) doc.push('complexity', spec.complexity);
  if (spec.subcommands !== undefined) {
    const subs: Reply[] = [];
    for (const s of spec.subcommands) subs.push(s.name, commandDocs(s));
    doc.push('subcommands', new MapReply(subs));
  }
  return new MapReply(doc);
}

function lookupSpec(ctx: ExecContext, name: string): CommandSpec | undefined {
  const table = ctx.server.commandTable();
  const lower = name.toLowerCase();
  const bar = lower.indexOf('|');
  if (bar < 0) return table.get(lower);
  return table.get(lower.slice(0, bar))?.subcommands?.find((s) => s.name === lower);
}

function commandGetkeys(ctx: ExecContext, args: string[]): Reply {
  let spec = lookupSpec(ctx, args[2] as string);
  if (spec === undefined) return err('ERR Invalid command specified');
  const cmdArgs = args.slice(2);
  // A container command's keys are those of the subcommand named by its first argument.
  if (spec.subcommands !== undefined && cmdArgs.length >= 2) {
    const subName = `${spec.name}|${(cmdArgs[1] as string).toLowerCase()}`;
    spec = spec.subcommands.find((s) => s.name === subName) ?? spec;
  }
  if ((spec.arity > 0 && cmdArgs.length !== spec.arity) || cmdArgs.length < -spec.arity) {
    return err('ERR Invalid number of arguments specified for command');
  }
  const idx = keyIndexes(spec, cmdArgs);
  if (idx.length === 0) return err('ERR The command has no key arguments');
  return idx.map((i) => cmdArgs[i] as string);
}

function commandList(ctx: ExecContext, args: string[]): Reply {
  let pattern: string | null = null;
  if (args.length === 5 && (args[2] as string).toUpperCase() === 'FILTERBY' && (args[3] as string).toUpperCase() === 'PATTERN') {
    pattern = args[4] as string;
  } else if (args.length !== 2) return ERR_SYNTAX;
  const out: string[] = [];
  for (const name of ctx.server.commandTable().keys()) if (pattern === null || globMatch(pattern, name, true)) out.push(name);
  return out;
}

const commandSubs: CommandSpec[] = [
  cmd({ name: 'command|count', arity: 2, flags: F.LOCAL, group: g, since: '2.8.13', summary: 'Returns a count of commands.',
    handler: (ctx) => ctx.server.commandTable().size }),
  cmd({ name: 'command|info', arity: -2, flags: F.LOCAL, group: g, since: '2.8.13', summary: 'Returns information about one, multiple or all commands.',
    handler: (ctx, a) => {
      if (a.length === 2) return [...ctx.server.commandTable().values()].map(commandInfo);
      return a.slice(2).map((n) => {
        const s = lookupSpec(ctx, n);
        return s === undefined ? null : commandInfo(s);
      });
    } }),
  cmd({ name: 'command|docs', arity: -2, flags: F.LOCAL, group: g, since: '7.0.0', summary: 'Returns documentary information about one, multiple or all commands.',
    handler: (ctx, a) => {
      const specs = a.length === 2 ? [...ctx.server.commandTable().values()] : a.slice(2).map((n) => lookupSpec(ctx, n));
      const out: Reply[] = [];
      for (const s of specs) if (s !== undefined) out.push(s.name, commandDocs(s));
      return new MapReply(out);
    } }),
  cmd({ name: 'command|getkeys', arity: -4, flags: F.LOCAL, group: g, since: '2.8.13', summary: 'Extracts the key names from an arbitrary command.', handler: commandGetkeys }),
  cmd({ name: 'command|list', arity: -2, flags: F.LOCAL, group: g, since: '7.0.0', summary: 'Returns a list of command names.', handler: commandList }),
  cmd({ name: 'command|help', arity: 2, flags: F.LOCAL, group: g, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    handler: () => ['COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', '(no subcommand)', 'COUNT', 'INFO [<command-name> ...]', 'DOCS [<command-name> ...]', 'GETKEYS <full-command>', 'LIST [FILTERBY PATTERN <pattern>]', 'HELP'].map((s) => new SimpleString(s)) }),
];

// ---- SLOWLOG ---------------------------------------------------------------------------

const slowlogSubs: CommandSpec[] = [
  cmd({ name: 'slowlog|get', arity: -2, flags: F.LOCAL | F.ADMIN, group: g, since: '2.2.12', summary: 'Returns the slow log\'s entries.',
    handler: (ctx, a) => {
      let count = 10;
      if (a.length > 3) return ERR_SYNTAX;
      if (a.length === 3) {
        const n = parseInteger(a[2] as string);
        if (n === null || n < -1) return err('ERR count should be greater than or equal to -1');
        count = n === -1 ? Number.MAX_SAFE_INTEGER : n;
      }
      return ctx.server.slowlogGet(count);
    } }),
  cmd({ name: 'slowlog|len', arity: 2, flags: F.LOCAL | F.ADMIN, group: g, since: '2.2.12', summary: 'Returns the number of entries in the slow log.',
    handler: (ctx) => ctx.server.slowlogLen() }),
  cmd({ name: 'slowlog|reset', arity: 2, flags: F.LOCAL | F.ADMIN, group: g, since: '2.2.12', summary: 'Clears all entries from the slow log.',
    handler: (ctx) => {
      ctx.server.slowlogReset();
      return OK;
    } }),
  cmd({ name: 'slowlog|help', arity: 2, flags: F.LOCAL, group: g, since: '6.2.0', summary: 'Show helpful text about the different subcommands',
    handler: () => ['SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET [<count>]', 'LEN', 'RESET', 'HELP'].map((s) => new SimpleString(s)) }),
];

const configSubs: CommandSpec[] = [
  cmd({ name: 'config|get', arity: -3, flags: F.LOCAL | F.ADMIN | F.LOADING | F.STALE, group: g, since: '2.0.0', summary: 'Returns the effective values of configuration parameters.', handler: configGet }),
  cmd({ name: 'config|set', arity: -4, flags: F.LOCAL | F.ADMIN | F.LOADING | F.STALE, group: g, since: '2.0.0', summary: 'Sets configuration parameters in-flight.', handler: configSet }),
  cmd({ name: 'config|resetstat', arity: 2, flags: F.LOCAL | F.ADMIN | F.LOADING | F.STALE, group: g, since: '2.0.0', summary: 'Resets the server\'s statistics.',
    handler: (ctx) => {
      ctx.server.resetStats();
      return OK;
    } }),
  cmd({ name: 'config|help', arity: 2, flags: F.LOCAL, group: g, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    handler: () => ['CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'GET <pattern>', 'SET <directive> <value>', 'RESETSTAT', 'HELP'].map((s) => new SimpleString(s)) }),
];

const memorySubs: CommandSpec[] = [
  cmd({ name: 'memory|usage', arity: -3, flags: F.READONLY, keys: [2, 2, 1], group: g, since: '4.0.0', summary: 'Estimates the memory usage of a key.', handler: memoryUsage }),
  cmd({ name: 'memory|help', arity: 2, flags: F.LOCAL, group: g, since: '4.0.0', summary: 'Returns helpful text about the different subcommands.',
    handler: () => ['MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'USAGE <key> [SAMPLES <count>]', 'HELP'].map((s) => new SimpleString(s)) }),
];

export const serverCommands: CommandSpec[] = [
  cmd({ name: 'info', arity: -1, flags: F.LOCAL | F.LOADING | F.STALE, group: g, summary: 'Returns information and statistics about the server.',
    handler: (ctx, a) => new VerbatimReply(ctx.server.info(a.slice(1).map((s) => s.toLowerCase()))) }),
  cmd({ name: 'config', arity: -2, flags: F.LOCAL, group: g, since: '2.0.0', summary: 'A container for server configuration commands.', subcommands: configSubs, handler: () => ERR_SYNTAX }),
  cmd({ name: 'dbsize', arity: 1, flags: F.READONLY | F.FAST, group: g, summary: 'Returns the number of keys in the database.', handler: (ctx) => ctx.db.size }),
  cmd({ name: 'flushdb', arity: -1, flags: F.WRITE, group: g, summary: 'Removes all keys from the current database.', handler: flush }),
  cmd({ name: 'flushall', arity: -1, flags: F.WRITE, group: g, summary: 'Removes all keys from all databases.', handler: flush }),
  cmd({ name: 'time', arity: 1, flags: F.LOCAL | F.FAST | F.RANDOM, group: g, since: '2.6.0', summary: 'Returns the server time.',
    handler: (ctx) => [String(Math.floor(ctx.nowMs / 1000)), String((ctx.nowMs % 1000) * 1000)] }),
  cmd({ name: 'command', arity: -1, flags: F.LOCAL | F.LOADING | F.STALE, group: g, since: '2.8.13', summary: 'Returns detailed information about all commands.', subcommands: commandSubs,
    handler: (ctx) => [...ctx.server.commandTable().values()].map(commandInfo) }),
  cmd({ name: 'memory', arity: -2, flags: F.LOCAL, group: g, since: '4.0.0', summary: 'A container for memory diagnostics commands.', subcommands: memorySubs, handler: () => ERR_SYNTAX }),
  cmd({ name: 'object', arity: -2, flags: F.LOCAL, group: 'generic', since: '2.2.3', summary: 'A container for object introspection commands.', subcommands: objectSubs, handler: () => ERR_SYNTAX }),
  cmd({ name: 'slowlog', arity: -2, flags: F.LOCAL, group: g, since: '2.2.12', summary: 'A container for slow log commands.', subcommands: slowlogSubs, handler: () => ERR_SYNTAX }),
];
