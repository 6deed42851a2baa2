// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET and CLIENT. They change
// only the calling connection's state and never reach the keyspace or the log.

import { FLOE_VERSION, REDIS_COMPAT_VERSION } from '../constants.ts';
import {
  err, ERR_NOT_INTEGER, ERR_SYNTAX, MapReply, OK, PONG, SimpleString, VerbatimReply, type Reply,
} from '../protocol/reply.ts';
import { parseInteger } from './args.ts';
import { cmd, F, type ClientContext, type ClientKillFilter, type CommandSpec, type ExecContext } from './types.ts';

const L = F.LOCAL;
const g = 'connection';

const WRONGPASS = err('WRONGPASS invalid username-password pair or user is disabled.');

function auth(ctx: ExecContext, args: string[]): Reply {
  if (args.length > 3) return ERR_SYNTAX;
  const user = args.length === 3 ? (args[1] as string) : 'default';
  const pass = args[args.length - 1] as string;
  if (args.length === 2 && !ctx.server.passwordRequired()) {
    return err('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  if (!ctx.server.checkPassword(user, pass)) return WRONGPASS;
  ctx.client.authenticated = true;
  ctx.client.user = user;
  return OK;
}

/** Client names and library attributes may not contain spaces or control characters. */
function validName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

function hello(ctx: ExecContext, args: string[]): Reply {
  let proto: 2 | 3 = ctx.client.proto;
  let i = 1;
  if (args.length >= 2) {
    const v = parseInteger(args[1] as string);
    if (v === null) return err('ERR Protocol version is not an integer or out of range');
    if (v !== 2 && v !== 3) return err('NOPROTO unsupported protocol version');
    proto = v;
    i = 2;
  }
  let setName: string | null = null;
  let authArgs: [string, string] | null = null;
  for (; i < args.length; i++) {
    const opt = (args[i] as string).toUpperCase();
    const left = args.length - i - 1;
    if (opt === 'AUTH' && left >= 2) {
      authArgs = [args[i + 1] as string, args[i + 2] as string];
      i += 2;
    } else if (opt === 'SETNAME' && left >= 1) {
      setName = args[++i] as string;
      if (!validName(setName)) return err('ERR Client names cannot contain spaces, newlines or special characters.');
    } else return err(`ERR Syntax error in HELLO option '${args[i] as string}'`);
  }
  if (authArgs !== null) {
    if (!ctx.server.checkPassword(authArgs[0], authArgs[1])) return WRONGPASS;
    ctx.client.authenticated = true;
    ctx.client.user = authArgs[0];
  }
  if (!ctx.client.authenticated) {
    return err('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  if (setName !== null) ctx.client.name = setName;
  ctx.client.proto = proto;
  return new MapReply([
    'server', 'floe', 'version', REDIS_COMPAT_VERSION, 'proto', proto, 'id', ctx.client.id,
    'mode', 'standalone', 'role', 'master', 'modules', [], 'floe_version', FLOE_VERSION,
  ]);
}

function parseKillFilter(args: string[]): ClientKillFilter | Reply {
  const f: ClientKillFilter = { skipMe: true };
  for (let i = 2; i < args.length; i += 2) {
    const opt = (args[i] as string).toUpperCase();
    const v = args[i + 1];
    if (v === undefined) return ERR_SYNTAX;
    if (opt === 'ID') {
      const id = parseInteger(v);
      if (id === null || id <= 0) return err('ERR client-id should be greater than 0');
      f.id = id;
    } else if (opt === 'ADDR') f.addr = v;
    else if (opt === 'LADDR') f.laddr = v;
    else if (opt === 'USER') f.user = v;
    else if (opt === 'SKIPME') {
      const yes = v.toLowerCase();
      if (yes !== 'yes' && yes !== 'no') return ERR_SYNTAX;
      f.skipMe = yes === 'yes';
    } else if (opt === 'TYPE') {
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(v.toLowerCase())) {
        return err(`ERR Unknown client type '${v}'`);
      }
    } else return ERR_SYNTAX;
  }
  return f;
}

function clientKill(ctx: ExecContext, args: string[]): Reply {
  if (args.length === 3) {
    // Old form: CLIENT KILL addr, answers OK or an error.
    const n = ctx.server.clientKill({ addr: args[2] as string, skipMe: false }, ctx.client);
    return n > 0 ? OK : err('ERR No such client');
  }
  const f = parseKillFilter(args);
  if (!('skipMe' in (f as object))) return f as Reply;
  return ctx.server.clientKill(f as ClientKillFilter, ctx.client);
}

function clientList(ctx: ExecContext, args: string[]): Reply {
  const ids: number[] = [];
  for (let i = 2; i < args.length; i++) {
    const opt = (args[i] as string).toUpperCase();
    if (opt === 'TYPE' && i + 1 < args.length) {
      const t = (args[++i] as string).toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) return err(`ERR Unknown client type '${args[i] as string}'`);
      if (t !== 'normal') return new VerbatimReply('');
    } else if (opt === 'ID' && i + 1 < args.length) {
      for (i++; i < args.length; i++) {
        const id = parseInteger(args[i] as string);
        if (id === null || id <= 0) return err('ERR Invalid client ID');
        ids.push(id);
      }
    } else return ERR_SYNTAX;
  }
  return new VerbatimReply(ctx.server.clientList(ids.length > 0 ? { ids } : {}));
}

function clientSetinfo(ctx: ExecContext, args: string[]): Reply {
  const attr = (args[2] as string).toLowerCase();
  const value = args[3] as string;
  if (attr !== 'lib-name' && attr !== 'lib-ver') return err(`ERR Unrecognized option '${args[2] as string}'`);
  if (!validName(value)) {
    return err(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
  }
  if (attr === 'lib-name') ctx.client.libName = value;
  else ctx.client.libVer = value;
  return OK;
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME', '    Return the name of the current connection.',
  'ID', '    Return the ID of the current connection.',
  'INFO', '    Return information about the current client connection.',
  'KILL <ip:port>', '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]', '    Kill connections. Options: ID, ADDR, LADDR, USER, TYPE, SKIPME.',
  'LIST [options ...]', '    Return information about client connections. Options: TYPE, ID.',
  'SETNAME <name>', '    Assign the name <name> to the current connection.',
  'SETINFO <option> <value>', '    Set client meta attr. Options: LIB-NAME, LIB-VER.',
  'NO-EVICT (ON|OFF)', '    Protect current client connection from eviction.',
  'HELP', '    Print this help.',
];

const clientSubs: CommandSpec[] = [
  cmd({ name: 'client|id', arity: 2, flags: L, group: g, since: '5.0.0', summary: 'Returns the unique client ID of the connection.', handler: (ctx) => ctx.client.id }),
  cmd({ name: 'client|setname', arity: 3, flags: L, group: g, since: '2.6.9', summary: 'Sets the connection name.',
    handler: (ctx, a) => {
      const name = a[2] as string;
      if (!validName(name)) return err('ERR Client names cannot contain spaces, newlines or special characters.');
      ctx.client.name = name;
      return OK;
    } }),
  cmd({ name: 'client|getname', arity: 2, flags: L, group: g, since: '2.6.9', summary: 'Returns the name of the connection.',
    handler: (ctx) => (ctx.client.name === '' ? null : ctx.client.name) }),
  cmd({ name: 'client|list', arity: -2, flags: L | F.ADMIN, group: g, since: '2.4.0', summary: 'Lists open connections.', handler: clientList }),
  cmd({ name: 'client|info', arity: 2, flags: L, group: g, since: '6.2.0', summary: 'Returns information about the connection.',
    handler: (ctx) => new VerbatimReply(ctx.server.clientInfo(ctx.client)) }),
  cmd({ name: 'client|kill', arity: -3, flags: L | F.ADMIN, group: g, since: '2.4.0', summary: 'Terminates open connections.', handler: clientKill }),
  cmd({ name: 'client|setinfo', arity: 4, flags: L, group: g, since: '7.2.0', summary: 'Sets information specific to the client or connection.', handler: clientSetinfo }),
  cmd({ name: 'client|no-evict', arity: 3, flags: L | F.ADMIN, group: g, since: '7.0.0', summary: 'Sets the client eviction mode of the connection.',
    handler: (ctx, a) => {
      const v = (a[2] as string).toUpperCase();
      if (v !== 'ON' && v !== 'OFF') return ERR_SYNTAX;
      ctx.client.noEvict = v === 'ON';
      return OK;
    } }),
  cmd({ name: 'client|help', arity: 2, flags: L, group: g, since: '5.0.0', summary: 'Returns helpful text about the different subcommands.',
    handler: () => CLIENT_HELP.map((s) => new SimpleString(s)) }),
];

export const connectionCommands: CommandSpec[] = [
  cmd({ name: 'ping', arity: -1, flags: L | F.FAST, group: g, summary: 'Returns the server\'s liveliness response.',
    handler: (_ctx, a) => (a.length === 1 ? PONG : a.length === 2 ? (a[1] as string) : err("ERR wrong number of arguments for 'ping' command")) }),
  cmd({ name: 'echo', arity: 2, flags: L | F.FAST, group: g, summary: 'Returns the given string.', handler: (_ctx, a) => a[1] as string }),
  cmd({ name: 'quit', arity: -1, flags: L | F.NOAUTH | F.FAST, group: g, summary: 'Closes the connection.',
    handler: (ctx) => {
      ctx.client.closeAfterReply = true;
      return OK;
    } }),
  cmd({ name: 'select', arity: 2, flags: L | F.FAST, group: g, summary: 'Changes the selected database.',
    handler: (_ctx, a) => {
      const db = parseInteger(a[1] as string);
      if (db === null) return ERR_NOT_INTEGER;
      return db === 0 ? OK : err('ERR DB index is out of range');
    } }),
  cmd({ name: 'auth', arity: -2, flags: L | F.NOAUTH | F.FAST, group: g, summary: 'Authenticates the connection.', handler: auth }),
  cmd({ name: 'hello', arity: -1, flags: L | F.NOAUTH | F.FAST, group: g, since: '6.0.0', summary: 'Handshakes with the Redis server.', handler: hello }),
  cmd({ name: 'reset', arity: 1, flags: L | F.NOAUTH | F.FAST, group: g, since: '6.2.0', summary: 'Resets the connection.',
    handler: (ctx) => {
      ctx.client.reset();
      return new SimpleString('RESET');
    } }),
  cmd({ name: 'client', arity: -2, flags: L, group: g, since: '2.4.0', summary: 'A container for client connection commands.', subcommands: clientSubs,
    handler: () => ERR_SYNTAX }),
];

export type { ClientContext };
