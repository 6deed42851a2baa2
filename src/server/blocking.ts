// Clients blocked by BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX and BZMPOP.
// A blocking command first runs as its non-blocking self; when it finds nothing the client is
// parked on its keys (FIFO per key, in the order clients blocked) with a timer. Any change to
// such a key marks it ready; after the command that changed it (a push, EXEC, RENAME…) the
// dispatcher calls serveReady(), which re-runs each parked command, in order, with the current
// time, until one finds nothing. A client that disconnects is forgotten.

import { parseTimeoutMs } from '../commands/collections.ts';
import { LIST_TIMEOUT_ARG } from '../commands/lists.ts';
import { keyIndexes, type CommandSpec } from '../commands/types.ts';
import { ZSET_TIMEOUT_ARG } from '../commands/zsets.ts';
import { ErrorReply, NULL_ARRAY, type Reply } from '../protocol/reply.ts';
import { assert } from '../util/assert.ts';
import type { ClientState } from './client-state.ts';

/** setTimeout's largest delay; longer timeouts re-arm until their deadline. */
const TIMER_DELAY_MAX_MS = 2 ** 31 - 1;

/** What the registry needs from the node. */
export interface BlockingHost {
  /** Runs a command for a client now, with the current time, as the dispatcher would. */
  run(client: ClientState, spec: CommandSpec, args: string[]): Reply | Promise<Reply>;
  /** The type of the value at key ('list', 'zset'…), or null when there is none. */
  typeAt(key: string): string | null;
  nowMs(): number;
}

class Blocked {
  readonly client: ClientState;
  readonly spec: CommandSpec;
  readonly args: string[];
  readonly keys: string[];
  /** The value type that can serve this command. */
  readonly type: 'list' | 'zset';
  /** What the command answers when its time is up (null or the null array). */
  readonly timeoutReply: Reply;
  /** Absolute deadline in ms, or 0 for none. */
  readonly deadlineMs: number;
  timer: NodeJS.Timeout | null = null;
  resolve: (r: Reply) => void = () => {};

  constructor(client: ClientState, spec: CommandSpec, args: string[], keys: string[], timeoutReply: Reply, deadlineMs: number) {
    this.client = client;
    this.spec = spec;
    this.args = args;
    this.keys = keys;
    this.type = spec.name.startsWith('bz') ? 'zset' : 'list';
    this.timeoutReply = timeoutReply;
    this.deadlineMs = deadlineMs;
  }
}

/** The reply a blocking command gives when it found nothing to pop. */
function isEmptyReply(r: Reply): boolean {
  return r === null || r === NULL_ARRAY;
}

const TIMEOUT_ARG: Readonly<Record<string, (args: string[]) => number>> = { ...LIST_TIMEOUT_ARG, ...ZSET_TIMEOUT_ARG };

export class BlockingRegistry {
  /** Per key, the clients waiting on it in the order they blocked (a Set keeps insertion order). */
  private readonly byKey = new Map<string, Set<Blocked>>();
  private readonly byClient = new Map<ClientState, Blocked>();
  /** Keys with waiters that changed since the last serveReady(). */
  private readonly ready = new Set<string>();
  private readonly host: BlockingHost;

  constructor(host: BlockingHost) {
    this.host = host;
  }

  /** Clients blocked right now (INFO blocked_clients). */
  get count(): number {
    return this.byClient.size;
  }

  hasReady(): boolean {
    return this.ready.size > 0;
  }

  /**
   * Runs a blocking command: its reply when it found something (or failed), else a promise of
   * the reply it will get when served or timed out.
   */
  call(client: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply | Promise<Reply> {
    const reply = this.host.run(client, spec, args);
    if (reply instanceof Promise || !isEmptyReply(reply)) return reply;
    const at = TIMEOUT_ARG[spec.name];
    assert(at !== undefined, `no timeout position for blocking command ${spec.name}`);
    const timeoutMs = parseTimeoutMs(args[at(args)] as string, nowMs);
    // The handler validated the timeout before answering "nothing".
    assert(!(timeoutMs instanceof ErrorReply), 'blocking command answered empty with a bad timeout');
    // BLMOVE and BRPOPLPUSH wait on their source only.
    const positions = spec.name === 'blmove' || spec.name === 'brpoplpush' ? [1] : keyIndexes(spec, args);
    const keys = [...new Set(positions.map((i) => args[i] as string))];
    const b = new Blocked(client, spec, args, keys, reply, timeoutMs === 0 ? 0 : nowMs + timeoutMs);
    for (const k of keys) {
      let q = this.byKey.get(k);
      if (q === undefined) {
        q = new Set();
        this.byKey.set(k, q);
      }
      q.add(b);
    }
    this.byClient.set(client, b);
    if (b.deadlineMs > 0) this.arm(b, timeoutMs);
    return new Promise<Reply>((resolve) => {
      b.resolve = resolve;
    });
  }

  private arm(b: Blocked, delayMs: number): void {
    b.timer = setTimeout(() => {
      const left = b.deadlineMs - this.host.nowMs();
      if (left > 0) this.arm(b, left);
      else this.finish(b, b.timeoutReply);
    }, Math.min(Math.max(delayMs, 1), TIMER_DELAY_MAX_MS));
  }

  /** Called for every key whose value changed: marks it if anyone waits on it. */
  keyChanged(key: string): void {
    if (this.byKey.size !== 0 && this.byKey.has(key)) this.ready.add(key);
  }

  /**
   * Serves clients waiting on keys that changed, oldest first, re-running their commands.
   * Serving one may make another key ready (BLMOVE pushes), so this repeats until no key is
   * ready; every pass serves a client or empties the ready set, so it ends.
   */
  serveReady(): void {
    while (this.ready.size > 0) {
      const keys = [...this.ready];
      this.ready.clear();
      for (const key of keys) this.serveKey(key);
    }
  }

  private serveKey(key: string): void {
    const queue = this.byKey.get(key);
    if (queue === undefined) return;
    for (const b of queue) {
      const type = this.host.typeAt(key);
      if (type === null) return;
      if (type !== b.type) continue;
      const reply = this.host.run(b.client, b.spec, b.args);
      assert(!(reply instanceof Promise), 'a blocking command blocked while being served');
      if (isEmptyReply(reply)) continue;
      this.finish(b, reply);
    }
  }

  /** Unblocks b with a reply. */
  private finish(b: Blocked, reply: Reply): void {
    this.detach(b);
    b.resolve(reply);
  }

  private detach(b: Blocked): void {
    if (b.timer !== null) clearTimeout(b.timer);
    b.timer = null;
    for (const k of b.keys) {
      const q = this.byKey.get(k);
      q?.delete(b);
      if (q?.size === 0) this.byKey.delete(k);
    }
    this.byClient.delete(b.client);
  }

  /** A client went away while blocked: forget it without a reply. */
  remove(client: ClientState): void {
    const b = this.byClient.get(client);
    if (b !== undefined) this.detach(b);
  }

  /** Unblocks every client with its timeout reply (server shutdown). */
  clear(): void {
    for (const b of [...this.byClient.values()]) this.finish(b, b.timeoutReply);
  }
}
