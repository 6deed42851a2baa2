// The command table and the lookup half of the dispatcher: name → CommandSpec, subcommands
// of container commands, and the arity check, all done once before any handler runs.

import { err, ErrorReply, wrongArity } from '../protocol/reply.ts';
import { connectionCommands } from './connection.ts';
import { hashCommands } from './hashes.ts';
import { keyCommands } from './keys.ts';
import { listCommands } from './lists.ts';
import { serverCommands } from './server.ts';
import { setCommands } from './sets.ts';
import { stringCommands } from './strings.ts';
import { zsetCommands } from './zsets.ts';
import type { CommandSpec } from './types.ts';

/** Every command family Floe serves; a new family adds its array here. */
const families: readonly (readonly CommandSpec[])[] = [
  connectionCommands, serverCommands, stringCommands, keyCommands,
  hashCommands, listCommands, setCommands, zsetCommands,
];

const SPELLINGS_MAX = 1024; // spellings other than lower case remembered, per table

/**
 * Command names (lower case) → specs; iterating the table (COMMAND) sees each command once.
 * `spellings` is what dispatch looks in: every lower-case name, plus each other spelling
 * ("SET", "Get") the first time it is lower-cased and found, so the hot path is one Map lookup
 * without an allocation whatever case a client sends.
 */
export class CommandTable extends Map<string, CommandSpec> {
  readonly spellings = new Map<string, CommandSpec>();
}

export function buildCommandTable(extra: readonly CommandSpec[] = []): CommandTable {
  const table = new CommandTable();
  for (const family of [...families, extra]) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
      table.set(spec.name, spec);
      table.spellings.set(spec.name, spec);
    }
  }
  return table;
}

const ARG_PREVIEW_BYTES = 128; // Redis shows at most this much of each argument

function unknownCommand(args: string[]): ErrorReply {
  let tail = '';
  for (let i = 1; i < args.length && tail.length < 128; i++) tail += `'${(args[i] as string).slice(0, ARG_PREVIEW_BYTES)}' `;
  return err(`ERR unknown command '${(args[0] as string).slice(0, ARG_PREVIEW_BYTES)}', with args beginning with: ${tail}`);
}

function arityOk(spec: CommandSpec, n: number): boolean {
  return spec.arity >= 0 ? n === spec.arity : n >= -spec.arity;
}

/** The spec that will run args (a subcommand for containers), or the error to answer. */
export function resolveCommand(table: CommandTable, args: string[]): CommandSpec | ErrorReply {
  const name = args[0] as string;
  let spec = table.spellings.get(name);
  if (spec === undefined) {
    spec = table.get(name.toLowerCase());
    if (spec === undefined) return unknownCommand(args);
    if (table.spellings.size < table.size + SPELLINGS_MAX) table.spellings.set(name, spec);
  }
  if (spec.subcommands === undefined) {
    return arityOk(spec, args.length) ? spec : wrongArity(spec.name);
  }
  // A container alone (COMMAND) runs its own handler when its arity allows it.
  if (args.length < 2) return arityOk(spec, 1) ? spec : wrongArity(spec.name);
  const subName = `${spec.name}|${(args[1] as string).toLowerCase()}`;
  const sub = spec.subcommands.find((s) => s.name === subName);
  if (sub === undefined) {
    return err(`ERR unknown subcommand '${(args[1] as string).slice(0, ARG_PREVIEW_BYTES)}'. Try ${spec.name.toUpperCase()} HELP.`);
  }
  return arityOk(sub, args.length) ? sub : wrongArity(sub.name);
}
