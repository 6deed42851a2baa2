// Command routing on a replicated node. On the leader: writes (and whole MULTI/EXEC blocks)
// become log entries and answer from their application; reads run locally once linearizable.
// On a follower: commands go to the leader over the bus under the client's identity, so its
// MULTI queue and WATCHed keys live where the commands run — or, in redirect mode, the
// client gets -MOVED. Connection commands always run where the client is connected.

import { randomBytes } from 'node:crypto';
import { keySlot } from '../cluster/slots.ts';
import { F, keyIndexes, type CommandSpec } from '../commands/types.ts';
import { err, ErrorReply, ERR_OOM, NULL_ARRAY, type Reply } from '../protocol/reply.ts';
import { parseTimeoutMs } from '../commands/collections.ts';
import { LIST_TIMEOUT_ARG } from '../commands/lists.ts';
import { ZSET_TIMEOUT_ARG } from '../commands/zsets.ts';
import { ENTRY_COMMANDS } from '../store/entry.ts';
import type { NodeId } from '../raft/types.ts';
import { FloeError } from '../util/errors.ts';
import { ClientState } from './client-state.ts';
import type { Replication } from './replication.ts';

/** Commands that follow the client to the leader although they only touch client state. */
const FOLLOW_TO_LEADER = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch', 'wait']);
const REMOTE_CLIENTS_MAX = 100_000; // clients of followers this leader keeps state for
const REMOTE_IDLE_MS = 10 * 60 * 1000; // state of a remote client idle this long is dropped
const CLUSTERDOWN = err('CLUSTERDOWN The cluster is down');
const BLOCKED_RECHECK_MS = 1000; // a blocked pop on the leader re-runs at least this often
const ERR_LEADER_LOST = err('TRYAGAIN the leader changed while the command was forwarded; a write may or may not have been applied');
const FORWARD_TIMEOUT_MIN_MS = 30_000; // a forwarded command's reply is awaited at least this long
const REJOIN_TIMEOUT_MS = 120_000; // a member that lost its log must be back as a voter within this
const INCARNATION_BYTES = 8; // random bytes naming one run of a node's process
const ADMIN_TIMEOUT_MS = 5000; // an admin forward (drop a client's state) is given up after this
/** Commands that open, extend or end a transaction (MULTI queue or WATCHed keys). */
const TX_COMMANDS = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch']);
const ERR_TX_LEADER_CHANGED = err('TRYAGAIN the leader changed inside MULTI; the transaction will be discarded at EXEC');
const ERR_EXECABORT_LEADER = err('EXECABORT Transaction discarded because the leader changed while it was open.');

/** What routing needs from the node. */
export interface RoutingHost {
  call(client: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply | Promise<Reply>;
  process(client: ClientState, args: string[]): Reply | Promise<Reply>;
  /** Chooses eviction victims and proposes them; false when still over maxmemory. */
  makeRoomReplicated(): boolean;
  unwatchAll(client: ClientState): void;
  clusterWaitMs(): number;
  routing(): 'proxy' | 'redirect';
  passwordRequired(): boolean;
}

/** A client connected to a follower, whose commands that follower forwards here. */
export class RemoteClient extends ClientState {
  private readonly host: RoutingHost;
  constructor(id: number, origin: string, host: RoutingHost) {
    super(id, true, origin, '', Date.now());
    this.host = host;
  }
  get outputBytes(): number {
    return 0;
  }
  get inputBytes(): number {
    return 0;
  }
  get isClosed(): boolean {
    return false;
  }
  push(): void {
    // Replies to forwarded commands travel back as FORWARD_REPLY; nothing is pushed.
  }
  close(): void {
    this.host.unwatchAll(this);
  }
  protected passwordRequired(): boolean {
    return this.host.passwordRequired();
  }
}

/** Where a follower's client's forwarded MULTI/WATCH state lives, and whether it was lost. */
interface TxHolder {
  /** The leader the state was forwarded to (this node's id once it leads itself). */
  leader: NodeId;
  /** A MULTI was forwarded and no EXEC/DISCARD yet. */
  multi: boolean;
  /** The leader changed with MULTI open: queued commands are refused, EXEC aborts. */
  multiLost: boolean;
  /** The leader changed with keys WATCHed: EXEC answers nil. */
  watchLost: boolean;
}

export class ReplicatedRouting {
  private readonly repl: Replication;
  private readonly host: RoutingHost;
  private readonly remotes = new Map<string, RemoteClient>();
  /** Local clients that have state on the leader (closing them tells the leader). */
  private readonly forwarded = new Map<number, NodeId>();
  /** Names this process on the leaders it forwards to (see noteIncarnation). */
  private readonly incarnation = randomBytes(INCARNATION_BYTES).toString('hex');
  /** Leader side: the incarnation each follower forwards from. */
  private readonly incarnations = new Map<NodeId, string>();
  /** Local clients whose MULTI or WATCH was forwarded: where that state lives (see route). */
  private readonly txHolder = new Map<number, TxHolder>();
  /** Blocked writes waiting for a key to change (woken from apply on this leader). */
  private readonly keyWaiters = new Map<string, Set<() => void>>();

  constructor(repl: Replication, host: RoutingHost) {
    this.repl = repl;
    this.host = host;
    repl.clusterWaitMs = () => host.clusterWaitMs();
  }

  /**
   * The first routing step for every command of a client of this node: undefined to run it here
   * (as leader, or a local stale read), else its reply — forwarded to the leader, or refused
   * because the transaction it belongs to was left behind on a former leader.
   *
   * A transaction's state lives on one node: here, when it was opened while this node led
   * (client.multi / client.watched; EXEC refuses if this node no longer leads), or on the
   * leader its MULTI or WATCH was forwarded to (txHolder). When that is no longer the leader,
   * the state is gone: an open MULTI refuses its queued commands and EXEC aborts; WATCHed keys
   * count as touched, so EXEC answers nil. Nothing of a transaction runs outside it.
   */
  route(client: ClientState, spec: CommandSpec, args: string[]): Reply | Promise<Reply> | undefined {
    if (client instanceof RemoteClient) return undefined; // runs here as is; never re-forwarded
    const name = spec.name.split('|')[0] as string;
    const tx = this.txHolder.get(client.id);
    if (tx !== undefined) {
      const target = this.repl.isLeader ? this.repl.self.id : this.repl.leader;
      const settled = this.txAfterLeaderChange(client, tx, name, target);
      if (settled !== undefined) return settled;
    }
    if (name === 'reset' && tx !== undefined) this.dropTx(client);
    // Opened here: the queue and the WATCHed keys stay here, whoever leads now.
    if (client.multi !== null || (client.watched.size > 0 && TX_COMMANDS.has(name))) return undefined;
    return this.mustForward(client, spec) ? this.forward(client, spec, args) : undefined;
  }

  /** The reply that settles a command of a transaction left on a former leader, or undefined to go on. */
  private txAfterLeaderChange(client: ClientState, tx: TxHolder, name: string, target: NodeId): Reply | undefined {
    if (target !== tx.leader && target !== 0) {
      if (tx.leader !== this.repl.self.id) this.dropRemoteState(tx.leader, client.id);
      tx.leader = target;
      if (tx.multi) tx.multiLost = true;
      else tx.watchLost = true;
    }
    if (tx.multiLost) {
      if (name === 'exec' || name === 'discard' || name === 'reset') {
        this.txHolder.delete(client.id);
        if (name === 'exec') return ERR_EXECABORT_LEADER;
        return name === 'discard' ? 'OK' : undefined;
      }
      return ERR_TX_LEADER_CHANGED;
    }
    if (tx.watchLost && name === 'exec') {
      // As if a WATCHed key had changed: the transaction does not run.
      this.dropTx(client);
      if (client.multi !== null) {
        client.multi = null;
        this.host.unwatchAll(client);
        return NULL_ARRAY;
      }
      return tx.multi ? NULL_ARRAY : err('ERR EXEC without MULTI');
    }
    return undefined;
  }

  /** Forgets a client's forwarded transaction and asks its holder to drop it. */
  private dropTx(client: ClientState): void {
    const tx = this.txHolder.get(client.id);
    if (tx === undefined) return;
    this.txHolder.delete(client.id);
    if (tx.leader !== this.repl.self.id && tx.leader !== 0) this.dropRemoteState(tx.leader, client.id);
  }

  private dropRemoteState(holder: NodeId, clientId: number): void {
    this.repl.bus.forward(holder, 1, 'admin', ['close', this.remoteTag(clientId)], ADMIN_TIMEOUT_MS).catch(() => {});
  }

  /** Remembers where a forwarded transaction command leaves the client's state. */
  private noteTx(client: ClientState, name: string, leader: NodeId): void {
    if (!TX_COMMANDS.has(name)) return;
    let tx = this.txHolder.get(client.id);
    if (name === 'exec' || name === 'discard' || (name === 'unwatch' && tx?.multi !== true)) {
      this.txHolder.delete(client.id);
      return;
    }
    if (tx === undefined) {
      tx = { leader, multi: false, multiLost: false, watchLost: false };
      this.txHolder.set(client.id, tx);
    }
    tx.leader = leader;
    if (name === 'multi') tx.multi = true;
  }

  /** Whether this command must leave this node (follower, not a local stale read). */
  private mustForward(client: ClientState, spec: CommandSpec): boolean {
    if (this.repl.isLeader) return false;
    if (client instanceof RemoteClient) return false; // refused later with TRYAGAIN, never re-forwarded
    if ((spec.flags & F.LOCAL) !== 0 && !FOLLOW_TO_LEADER.has(spec.name.split('|')[0] as string)) return false;
    return !(client.readonlyReplicaReads && (spec.flags & F.READONLY) !== 0 && client.multi === null);
  }

  private async forward(client: ClientState, spec: CommandSpec, args: string[]): Promise<Reply> {
    if (this.repl.leader === 0) await this.repl.waitForLeader(this.host.clusterWaitMs());
    const leader = this.repl.leader;
    const peer = this.repl.peerById(leader);
    if (leader === 0 || peer === undefined) return CLUSTERDOWN;
    if (leader === this.repl.self.id) {
      // Became leader while waiting: run it here. Named leader but not leading (a disk
      // failure froze the core): running it here would only come straight back.
      return this.repl.isLeader ? this.host.process(client, args) : err('TRYAGAIN this node is not serving as leader; retry');
    }
    if (this.host.routing() === 'redirect') {
      const keys = keyIndexes(spec, args);
      const slot = keys.length > 0 ? keySlot(args[keys[0] as number] as string) : 0;
      return err(`MOVED ${slot} ${peer.host}:${peer.port}`);
    }
    const tx = this.txHolder.get(client.id);
    if (tx !== undefined) {
      // The leader may have changed while this command waited for one.
      const settled = this.txAfterLeaderChange(client, tx, spec.name.split('|')[0] as string, leader);
      if (settled !== undefined) return settled;
    }
    this.noteTx(client, spec.name.split('|')[0] as string, leader);
    this.forwarded.set(client.id, leader);
    const kind = (spec.flags & F.WRITE) !== 0 ? 'write' : 'read';
    const timeoutMs = Math.max(FORWARD_TIMEOUT_MIN_MS, this.host.clusterWaitMs());
    // Losing the leader (a partition, an election) ends the wait at once: the old leader's
    // reply may never come, and a new one cannot answer for it.
    const gone = this.repl.whenLeaderChangesFrom(leader);
    try {
      const reply = this.repl.bus.forward(leader, 1, kind, [this.remoteTag(client.id), ...args], timeoutMs);
      const lost = gone.changed.then(() => ERR_LEADER_LOST);
      const r = await Promise.race([reply, lost]);
      if (r === ERR_LEADER_LOST) reply.catch(() => {});
      return r;
    } catch (e) {
      const what = e instanceof FloeError && e.code === 'FLOE_ERR_TIMEOUT' ? 'timed out' : 'failed';
      return err(`TRYAGAIN forwarding to the leader ${what}; a write may or may not have been applied`);
    } finally {
      gone.cancel();
    }
  }

  /** A client of this node closed: the leader drops the state it kept for it. */
  closed(client: ClientState): void {
    this.txHolder.delete(client.id);
    const leader = this.forwarded.get(client.id);
    if (leader === undefined) return;
    this.forwarded.delete(client.id);
    this.repl.bus.forward(leader, 1, 'admin', ['close', this.remoteTag(client.id)], ADMIN_TIMEOUT_MS).catch(() => {});
  }

  /** Leader side of forwarding: runs a follower's client's command as that client. */
  onForward(from: NodeId, kind: string, args: string[]): Reply | Promise<Reply> {
    if (kind === 'admin' && args[0] === 'rejoin') {
      if (!this.repl.isLeader) return err('TRYAGAIN this node is not the leader');
      void this.repl.rejoin(from, REJOIN_TIMEOUT_MS).then((problem) => {
        if (problem !== null) this.repl.logEvent('member-rejoin-failed', { node: this.repl.peerName(from), error: problem });
      });
      return 'OK';
    }
    if (kind === 'admin' && args[0] === 'close') {
      const key = `${from}:${args[1] ?? ''}`;
      this.remotes.get(key)?.close();
      this.remotes.delete(key);
      return null;
    }
    if (!this.repl.isLeader) return err('TRYAGAIN this node is no longer the leader; retry');
    const tag = args[0] ?? '';
    const dot = tag.indexOf('.');
    this.noteIncarnation(from, tag.slice(0, dot));
    const id = Number(tag.slice(dot + 1));
    const key = `${from}:${tag}`;
    let client = this.remotes.get(key);
    if (client === undefined) {
      if (this.remotes.size >= REMOTE_CLIENTS_MAX) return err('ERR max number of clients reached');
      client = new RemoteClient(id, `${this.repl.peerName(from)}#${id}`, this.host);
      this.remotes.set(key, client);
    }
    client.lastInteractionMs = Date.now();
    return this.host.process(client, args.slice(1));
  }

  /** How a client of this node is known on the leader: this process's incarnation and its id. */
  private remoteTag(clientId: number): string {
    return `${this.incarnation}.${clientId}`;
  }

  /**
   * A follower that restarted numbers its clients from 1 again; the state its previous
   * process's clients left here (an open MULTI, WATCHed keys) must not pass to the new ones,
   * so the first command from a new incarnation drops all of the old one's.
   */
  private noteIncarnation(from: NodeId, incarnation: string): void {
    const known = this.incarnations.get(from);
    if (known === incarnation) return;
    this.incarnations.set(from, incarnation);
    if (known === undefined) return;
    const prefix = `${from}:${known}.`;
    for (const [key, c] of this.remotes) {
      if (!key.startsWith(prefix)) continue;
      c.close();
      this.remotes.delete(key);
    }
  }

  /** Drops the state of remote clients idle for long (their follower may have died). */
  cron(nowMs: number): void {
    for (const [key, c] of this.remotes) {
      if (nowMs - c.lastInteractionMs > REMOTE_IDLE_MS) {
        c.close();
        this.remotes.delete(key);
      }
    }
  }

  // ---- leader --------------------------------------------------------------------------

  /** Called for every key a log entry changed on this node. */
  keyChanged(key: string): void {
    if (this.keyWaiters.size === 0) return;
    const set = this.keyWaiters.get(key);
    if (set === undefined) return;
    this.keyWaiters.delete(key);
    for (const wake of set) wake();
  }

  /**
   * A blocking pop on the leader: the command goes through the log as its non-blocking
   * self; while it finds nothing, the client waits for one of its keys to change (or its
   * timeout) and tries again. Waiters retry in the order they wake, not strictly FIFO.
   */
  async blockingWrite(client: ClientState, spec: CommandSpec, args: string[]): Promise<Reply> {
    const at = { ...LIST_TIMEOUT_ARG, ...ZSET_TIMEOUT_ARG }[spec.name];
    const timeoutMs = at === undefined ? 0 : parseTimeoutMs(args[at(args)] as string, Date.now());
    if (timeoutMs instanceof ErrorReply) return timeoutMs;
    const deadline = timeoutMs === 0 ? Infinity : Date.now() + timeoutMs;
    const keys = (spec.name === 'blmove' || spec.name === 'brpoplpush' ? [1] : keyIndexes(spec, args)).map((i) => args[i] as string);
    while (true) {
      const r = await this.write(client, spec, args);
      if (!(r === null || r === NULL_ARRAY) || !this.repl.isLeader) return r;
      if (Date.now() >= deadline) return r;
      await this.waitForKeys(keys, deadline);
      if (Date.now() >= deadline) return r;
    }
  }

  private waitForKeys(keys: string[], deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        if (timer !== null) clearTimeout(timer);
        for (const k of keys) this.keyWaiters.get(k)?.delete(wake);
        resolve();
      };
      // Re-checks now and then even without a change, so a lost leadership is noticed.
      const waitMs = Math.min(deadline - Date.now(), BLOCKED_RECHECK_MS);
      const timer = Number.isFinite(waitMs) ? setTimeout(wake, Math.max(1, waitMs)) : null;
      for (const k of keys) {
        let set = this.keyWaiters.get(k);
        if (set === undefined) this.keyWaiters.set(k, (set = new Set()));
        set.add(wake);
      }
    });
  }

  /** A write: one log entry; the reply is what applying it produced. */
  async write(client: ClientState, spec: CommandSpec, args: string[]): Promise<Reply> {
    if ((spec.flags & F.DENYOOM) !== 0 && !this.host.makeRoomReplicated()) return ERR_OOM;
    const out = await this.repl.writeCommand(args);
    if (!out.ok) return err(out.error);
    client.lastWriteIndex = out.index;
    return out.reply;
  }

  async read(client: ClientState, spec: CommandSpec, args: string[]): Promise<Reply> {
    // READONLY on a follower: the client asked for this replica's (possibly stale) state.
    if (!this.repl.isLeader && client.readonlyReplicaReads) return this.host.call(client, spec, args, Date.now());
    const r = await this.repl.linearizable(() => this.host.call(client, spec, args, Date.now()));
    return r.ok ? r.value : err(r.error);
  }

  /** EXEC: the queue becomes one entry; with WATCH, checked against everything before it in the log. */
  async exec(client: ClientState): Promise<Reply> {
    const queue = client.multi;
    if (queue === null) return err('ERR EXEC without MULTI');
    client.multi = null;
    if (client.multiDirty) {
      client.multiDirty = false;
      this.host.unwatchAll(client);
      return err('EXECABORT Transaction discarded because of previous errors.');
    }
    if (client.watched.size > 0) {
      const clean = await this.watchedStillClean(client);
      this.host.unwatchAll(client);
      if (clean === null) return err('TRYAGAIN could not check WATCHed keys (leadership changed or the log kept growing)');
      if (!clean) return NULL_ARRAY;
    }
    if (!queue.some((q) => (q.spec.flags & F.WRITE) !== 0)) {
      const r = await this.repl.linearizable(() => queue.map((q) => this.host.call(client, q.spec, q.args, Date.now())));
      return r.ok ? Promise.all(r.value) : err(r.error);
    }
    if (queue.some((q) => (q.spec.flags & F.DENYOOM) !== 0) && !this.host.makeRoomReplicated()) {
      return err('EXECABORT Transaction discarded because of: command not allowed when used memory > \'maxmemory\'.');
    }
    const out = await this.repl.write({
      kind: ENTRY_COMMANDS, timeMs: this.repl.entryTime(), origin: this.repl.self.id, commands: queue.map((q) => q.args),
    });
    if (!out.ok) return err(out.error);
    client.lastWriteIndex = out.index;
    return out.replies;
  }

  /**
   * Waits until everything in the log is applied, so that no write ordered before the EXEC is
   * still unseen, then checks the watched keys in the same turn the EXEC will be proposed in.
   */
  private async watchedStillClean(client: ClientState): Promise<boolean | null> {
    const deadline = Date.now() + this.host.clusterWaitMs();
    while (Date.now() < deadline && this.repl.isLeader) {
      const last = this.repl.group.raft.status().lastIndex;
      if (this.repl.group.applied >= last) {
        const db = this.repl.group.db;
        const now = this.repl.entryTime();
        for (const [key, expiredAtWatch] of client.watched) {
          if (!expiredAtWatch && db.raw(key) !== undefined && db.isExpired(key, now)) client.watchDirty = true;
        }
        return !client.watchDirty;
      }
      await new Promise<void>((resolve) => {
        if (!this.repl.group.whenApplied(last, resolve)) setTimeout(resolve, 10);
      });
    }
    return null;
  }
}
