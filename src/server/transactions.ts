// MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queuing happens in the node's dispatcher; EXEC runs
// the queue as one unit of work (one clock reading, no other client in between), which is
// what later becomes a single Raft entry.

import { err, NULL_ARRAY, OK, type Reply } from '../protocol/reply.ts';
import { cmd, F, type CommandSpec, type ExecContext } from '../commands/types.ts';
import type { ClientState } from './client-state.ts';

/** What EXEC needs from the node. */
export interface TransactionHost {
  /** Runs one queued command inside EXEC (no queuing, no eviction). */
  runQueued(session: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply;
  watch(session: ClientState, key: string): void;
  unwatchAll(session: ClientState): void;
}

export const TX_CONTROL = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch', 'quit', 'reset']);

function session(ctx: ExecContext): ClientState {
  return ctx.client as ClientState;
}

export function transactionCommands(host: TransactionHost): CommandSpec[] {
  const g = 'transactions';
  return [
    cmd({ name: 'multi', arity: 1, flags: F.LOCAL | F.FAST | F.NO_MULTI, group: g, since: '1.2.0', summary: 'Starts a transaction.',
      handler: (ctx) => {
        const s = session(ctx);
        if (s.multi !== null) return err('ERR MULTI calls can not be nested');
        s.multi = [];
        s.multiDirty = false;
        return OK;
      } }),
    cmd({ name: 'exec', arity: 1, flags: F.LOCAL | F.NO_MULTI, group: g, since: '1.2.0', summary: 'Executes all commands in a transaction.',
      handler: (ctx) => exec(host, ctx) }),
    cmd({ name: 'discard', arity: 1, flags: F.LOCAL | F.FAST | F.NO_MULTI, group: g, since: '2.0.0', summary: 'Discards a transaction.',
      handler: (ctx) => {
        const s = session(ctx);
        if (s.multi === null) return err('ERR DISCARD without MULTI');
        s.multi = null;
        s.multiDirty = false;
        host.unwatchAll(s);
        return OK;
      } }),
    cmd({ name: 'watch', arity: -2, flags: F.LOCAL | F.FAST | F.NO_MULTI, keys: [1, -1, 1], group: g, since: '2.2.0', summary: 'Monitors changes to keys to determine the execution of a transaction.',
      handler: (ctx, a) => {
        const s = session(ctx);
        if (s.multi !== null) return err('ERR WATCH inside MULTI is not allowed');
        for (let i = 1; i < a.length; i++) {
          const key = a[i] as string;
          if (s.watched.has(key)) continue;
          s.watched.set(key, ctx.db.raw(key) !== undefined && ctx.db.isExpired(key, ctx.nowMs));
          host.watch(s, key);
        }
        return OK;
      } }),
    cmd({ name: 'unwatch', arity: 1, flags: F.LOCAL | F.FAST | F.NO_MULTI, group: g, since: '2.2.0', summary: 'Forgets about watched keys of a transaction.',
      handler: (ctx) => {
        host.unwatchAll(session(ctx));
        return OK;
      } }),
  ];
}

function exec(host: TransactionHost, ctx: ExecContext): Reply {
  const s = session(ctx);
  const queue = s.multi;
  if (queue === null) return err('ERR EXEC without MULTI');
  s.multi = null;
  const dirty = s.multiDirty;
  s.multiDirty = false;
  if (dirty) {
    host.unwatchAll(s);
    return err('EXECABORT Transaction discarded because of previous errors.');
  }
  // A watched key that expired since WATCH counts as changed (Redis 7 does the same).
  for (const [key, expiredAtWatch] of s.watched) {
    if (!expiredAtWatch && ctx.db.raw(key) !== undefined && ctx.db.isExpired(key, ctx.nowMs)) s.watchDirty = true;
  }
  const aborted = s.watchDirty;
  host.unwatchAll(s);
  if (aborted) return NULL_ARRAY;
  const replies: Reply[] = [];
  for (const q of queue) replies.push(host.runQueued(s, q.spec, q.args, ctx.nowMs));
  return replies;
}
