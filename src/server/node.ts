// A single Floe node: listening sockets (plain and TLS), the sessions, the keyspace, and the
// dispatcher that runs each command — resolve, check auth, queue in MULTI, make room under
// maxmemory, call the handler, account. The cron does active expiry and client housekeeping.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { ACTIVE_EXPIRE_BUDGET_MS, ACTIVE_EXPIRE_KEYS_PER_LOOP } from '../constants.ts';
import { resolveCommand, buildCommandTable, type CommandTable } from '../commands/table.ts';
import { F, type ClientContext, type ClientKillFilter, type CommandSpec, type ExecContext } from '../commands/types.ts';
import { RespParser } from '../protocol/parser.ts';
import { DoubleReply, err, ErrorReply, ERR_NOAUTH, ERR_OOM, MapReply, QUEUED, SetReply, type Reply } from '../protocol/reply.ts';
import { formatDouble } from '../protocol/writer.ts';
import { Evictor, performEvictions, type EvictionPolicy } from '../store/evict.ts';
import { Keyspace } from '../store/keyspace.ts';
import { FloeError } from '../util/errors.ts';
import { globMatch } from '../util/glob.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { Config } from './config.ts';
import { humanBytes, renderInfo, serverSection } from './info.ts';
import { Session, type SessionHost } from './session.ts';
import { InternalClient, type ClientState } from './client-state.ts';
import { Slowlog } from './slowlog.ts';
import { transactionCommands, TX_CONTROL, type TransactionHost } from './transactions.ts';
import { findPeer, parsePeers, type PeerSpec } from '../cluster/peers.ts';
import { EVICTION_KEYS_PER_COMMAND_MAX } from '../constants.ts';
import { ENTRY_COMMANDS, ENTRY_EVICT, ENTRY_EXPIRE, ENTRY_PEER, type StoreEntry } from '../store/entry.ts';
import { Replication } from './replication.ts';
import { ReplicatedRouting, type RoutingHost } from './routing.ts';
import { decodeKeyspace, KeyspaceSnapshot } from './snapshot-codec.ts';
import { replicationInfo, raftInfo } from './replication-info.ts';
import { clusterCommands, type ClusterHost } from './cluster-commands.ts';
import { BlockingRegistry } from './blocking.ts';
import { setEncodingLimits } from '../store/limits.ts';

const ERR_LOADING = err('LOADING Floe is loading the dataset in memory');
// Bytes per chunk of a snapshot being written (replication.ts): with --snapshot-slice-ms 0,
// one chunk per event-loop turn.
const SNAPSHOT_BUILD_CHUNK_BYTES = 64 * 1024; // 64 KiB

interface Stats {
  connectionsReceived: number;
  commandsProcessed: number;
  netInputBytes: number;
  netOutputBytes: number;
  rejectedConnections: number;
  evictedKeys: number;
  errorReplies: number;
  peakMemoryBytes: number;
}

const freshStats = (): Stats => ({
  connectionsReceived: 0, commandsProcessed: 0, netInputBytes: 0, netOutputBytes: 0,
  rejectedConnections: 0, evictedKeys: 0, errorReplies: 0, peakMemoryBytes: 0,
});

export class FloeNode implements SessionHost, TransactionHost, RoutingHost, ClusterHost {
  readonly config: Config;
  readonly db: Keyspace;
  readonly table: CommandTable;
  readonly startedAtMs = Date.now();
  readonly runId = randomBytes(20).toString('hex');
  private readonly sessions = new Map<number, Session>();
  private readonly watchers = new Map<string, Set<ClientState>>();
  private readonly evictor: Evictor;
  private readonly random: Xoshiro128;
  private readonly slowlog: Slowlog;
  private stats: Stats = freshStats();
  private nextClientId = 1;
  private servers: (Server | TlsServer)[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private readonly ctx: ExecContext;
  /** Clients parked by BLPOP & co (single-node mode). */
  private readonly blocking: BlockingRegistry;
  /** Replicated mode (with --peers or --dir): the Raft group and the routing on top of it. */
  private repl: Replication | null = null;
  private readonly applyClient = new InternalClient();
  private routingLayer: ReplicatedRouting | null = null;
  // Hot settings, cached from the config on every change.
  private maxmemory = 0;
  private policy: EvictionPolicy = 'noeviction';
  private samples = 5;
  private slowerThanUs = 0;
  /** client-output-buffer-limit, parsed once per change (read on every flush). */
  private outputLimitsCached = { hardBytes: 0, softBytes: 0, softSeconds: 0 };
  private password = '';

  constructor(config: Config) {
    this.config = config;
    this.random = new Xoshiro128(Date.now());
    this.db = new Keyspace(new Xoshiro128(this.random.nextUint32()));
    this.evictor = new Evictor(new Xoshiro128(this.random.nextUint32()));
    this.slowlog = new Slowlog(config.num('slowlog-max-len'));
    this.table = buildCommandTable([...transactionCommands(this), ...clusterCommands(this)]);
    this.ctx = { db: this.db, nowMs: 0, random: this.random, client: null as unknown as ClientContext, server: this.serverContext() };
    this.blocking = new BlockingRegistry({
      run: (client, spec, args) => this.call(client, spec, args, Date.now()),
      typeAt: (key) => {
        const e = this.db.peek(key, Date.now());
        return e === undefined ? null : typeof e.v === 'string' ? 'string' : e.v.type;
      },
      nowMs: () => Date.now(),
    });
    this.db.onKeyChanged = (key) => {
      this.touchWatched(key);
      this.blocking.keyChanged(key);
      this.routingLayer?.keyChanged(key);
    };
    this.db.onFlush = () => this.touchAllWatched();
    config.onChange = () => this.applyConfig();
    this.applyConfig();
  }

  private applyConfig(): void {
    const c = this.config;
    this.maxmemory = c.num('maxmemory');
    const policy = c.str('maxmemory-policy') as EvictionPolicy;
    if (policy !== this.policy) this.evictor.reset();
    this.policy = policy;
    this.samples = c.num('maxmemory-samples');
    this.db.lfu = policy.endsWith('-lfu');
    this.db.lfuLogFactor = c.num('lfu-log-factor');
    this.db.lfuDecayTimeMinutes = c.num('lfu-decay-time');
    this.slowerThanUs = c.num('slowlog-log-slower-than');
    const [, hard, soft, secs] = c.str('client-output-buffer-limit').split(' ');
    this.outputLimitsCached = { hardBytes: Number(hard), softBytes: Number(soft), softSeconds: Number(secs) };
    this.slowlog.maxLen = c.num('slowlog-max-len');
    this.slowlog.trim();
    this.password = c.str('requirepass');
    setEncodingLimits(this.db, {
      hashEntries: c.num('hash-max-listpack-entries'), hashValueBytes: c.num('hash-max-listpack-value'),
      setIntsetEntries: c.num('set-max-intset-entries'), setEntries: c.num('set-max-listpack-entries'),
      setValueBytes: c.num('set-max-listpack-value'), zsetEntries: c.num('zset-max-listpack-entries'),
      zsetValueBytes: c.num('zset-max-listpack-value'), listSize: c.num('list-max-listpack-size'),
    });
    for (const s of this.sessions.values()) {
      s.parser.limits.bulkLenMax = c.num('proto-max-bulk-len');
      s.parser.limits.queryBufferMax = c.num('client-query-buffer-limit');
    }
    if (this.cronTimer !== null) this.startCron();
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Opens the listening sockets; resolves with the bound ports. */
  async start(): Promise<{ port: number; tlsPort: number }> {
    const bind = this.config.str('bind');
    const plain = createServer((socket) => this.accept(socket));
    const port = await listen(plain, this.config.num('port'), bind);
    this.servers.push(plain);
    let tlsPort = 0;
    if (this.config.num('tls-port') > 0) {
      const tls = this.createTls();
      tlsPort = await listen(tls, this.config.num('tls-port'), bind);
      this.servers.push(tls);
    }
    if (this.replicatedMode()) await this.startReplication(port);
    this.startCron();
    return { port, tlsPort };
  }

  private createTls(): TlsServer {
    const c = this.config;
    const certFile = c.str('tls-cert-file');
    const keyFile = c.str('tls-key-file');
    if (certFile === '' || keyFile === '') {
      throw new FloeError('FLOE_ERR_CONFIG', 'tls-port needs tls-cert-file and tls-key-file');
    }
    const caFile = c.str('tls-ca-cert-file');
    try {
      const options = {
        cert: readFileSync(certFile),
        key: readFileSync(keyFile),
        ...(caFile !== '' ? { ca: readFileSync(caFile), requestCert: true, rejectUnauthorized: true } : {}),
      };
      return createTlsServer(options, (socket) => this.accept(socket));
    } catch (e) {
      throw new FloeError('FLOE_ERR_TLS', `cannot load TLS files: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  private startCron(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    const periodMs = Math.max(1, Math.floor(1000 / this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), periodMs);
    this.cronTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    await this.repl?.stop();
    for (const s of [...this.sessions.values()]) s.close();
    await Promise.all(this.servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    this.servers = [];
  }

  private accept(socket: Socket): void {
    this.stats.connectionsReceived++;
    if (this.sessions.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const parser = new RespParser({
      bulkLenMax: this.config.num('proto-max-bulk-len'),
      queryBufferMax: this.config.num('client-query-buffer-limit'),
    });
    const session = new Session(this.nextClientId++, socket, this, parser);
    this.sessions.set(session.id, session);
  }

  // ---- SessionHost ---------------------------------------------------------------------

  closed(session: ClientState): void {
    this.unwatchAll(session);
    this.blocking.remove(session);
    this.routingLayer?.closed(session);
    this.sessions.delete(session.id);
  }

  passwordRequired(): boolean {
    return this.password !== '';
  }

  outputLimits(): { hardBytes: number; softBytes: number; softSeconds: number } {
    return this.outputLimitsCached;
  }

  countInput(bytes: number): void {
    this.stats.netInputBytes += bytes;
  }

  countOutput(bytes: number): void {
    this.stats.netOutputBytes += bytes;
  }

  nowMs(): number {
    return Date.now();
  }

  /** The dispatcher: everything between a parsed command and its reply. */
  process(session: ClientState, args: string[]): Reply | Promise<Reply> {
    const spec = resolveCommand(this.table, args);
    if (spec instanceof ErrorReply) return this.refuse(session, spec);
    if (!session.authenticated && (spec.flags & F.NOAUTH) === 0) return this.refuse(session, ERR_NOAUTH);
    session.lastCommand = spec.name;
    // Until the replica has loaded its snapshot and log, only connection and server-info
    // commands are served; the rest get Redis's -LOADING, which clients wait out.
    if (this.loading() && (spec.flags & (F.LOADING | F.NOAUTH)) === 0 && spec.group !== 'connection') return this.refuse(session, ERR_LOADING);
    const nowMs = Date.now();
    const routing = this.routingLayer;
    const routed = routing?.route(session, spec, args);
    if (routed !== undefined) return routed;
    if (session.multi !== null && !TX_CONTROL.has(spec.name)) {
      if ((spec.flags & F.NO_MULTI) !== 0) return this.refuse(session, err('ERR Command not allowed inside a transaction'));
      const room = routing !== null ? this.makeRoomReplicated() : this.makeRoom(nowMs);
      if ((spec.flags & F.DENYOOM) !== 0 && !room) return this.refuse(session, ERR_OOM);
      session.multi.push({ spec, args });
      return QUEUED;
    }
    if (routing !== null) {
      if (spec.name === 'exec') return routing.exec(session);
      if ((spec.flags & F.LOCAL) === 0) {
        if ((spec.flags & F.BLOCKING) !== 0) return routing.blockingWrite(session, spec, args);
        return (spec.flags & F.WRITE) !== 0 ? routing.write(session, spec, args) : routing.read(session, spec, args);
      }
    } else if (this.maxmemory > 0 && (spec.flags & F.LOCAL) === 0 && !this.makeRoom(nowMs) && (spec.flags & F.DENYOOM) !== 0) {
      return this.refuse(session, ERR_OOM);
    }
    // Blocking commands park the client when they find nothing (not in replicated mode, where
    // they run through the log and answer at once); any command may wake parked clients.
    const reply = (spec.flags & F.BLOCKING) !== 0 && routing === null
      ? this.blocking.call(session, spec, args, nowMs)
      : this.call(session, spec, args, nowMs);
    if (this.blocking.hasReady()) this.blocking.serveReady();
    return reply;
  }

  private refuse(session: ClientState, e: ErrorReply): ErrorReply {
    if (session.multi !== null) session.multiDirty = true;
    this.stats.errorReplies++;
    return e;
  }

  call(session: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply | Promise<Reply> {
    const ctx = this.ctx;
    ctx.client = session;
    ctx.nowMs = nowMs;
    const timed = this.slowerThanUs >= 0;
    const t0 = timed ? performance.now() : 0;
    const reply = spec.handler(ctx, args);
    this.stats.commandsProcessed++;
    if (reply instanceof ErrorReply) this.stats.errorReplies++;
    if (timed) {
      const us = Math.floor((performance.now() - t0) * 1000);
      if (us > this.slowerThanUs && spec.name !== 'exec') this.slowlog.add(args, us, nowMs, session.addr, session.name);
    }
    return reply;
  }

  // ---- TransactionHost ------------------------------------------------------------------

  runQueued(session: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply {
    const r = this.call(session, spec, args, nowMs);
    return r instanceof Promise ? err(`ERR ${spec.name} cannot run inside MULTI`) : r;
  }

  /**
   * Evicts until under maxmemory, at most EVICTION_KEYS_PER_COMMAND_MAX keys per call; false
   * only when still over and the policy allows no more. After a big drop of maxmemory one call
   * is not enough: the write still runs (Redis's EVICT_RUNNING) and the cron evicts the rest.
   */
  makeRoom(nowMs: number): boolean {
    if (this.maxmemory <= 0 || this.db.usedBytes <= this.maxmemory) return true;
    const outcome = performEvictions(this.db, this.evictor, this.policy, this.maxmemory, nowMs, this.samples, (key) => {
      this.db.delete(key);
      this.stats.evictedKeys++;
    });
    return this.db.usedBytes <= this.maxmemory || outcome.victims.length > 0;
  }

  /** The cron's share of eviction: keeps evicting, within a time budget, while over maxmemory. */
  private evictInBackground(start: number): void {
    const budgetMs = Math.min(ACTIVE_EXPIRE_BUDGET_MS, (1000 / this.config.num('hz')) / 4);
    while (this.maxmemory > 0 && this.db.usedBytes > this.maxmemory && Date.now() - start < budgetMs) {
      const before = this.stats.evictedKeys;
      this.makeRoom(Date.now());
      if (this.stats.evictedKeys === before) break;
    }
  }

  watch(session: ClientState, key: string): void {
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(session);
  }

  unwatchAll(session: ClientState): void {
    for (const key of session.watched.keys()) {
      const set = this.watchers.get(key);
      set?.delete(session);
      if (set?.size === 0) this.watchers.delete(key);
    }
    session.watched.clear();
    session.watchDirty = false;
  }

  private touchWatched(key: string): void {
    if (this.watchers.size === 0) return;
    const set = this.watchers.get(key);
    if (set !== undefined) for (const s of set) s.watchDirty = true;
  }

  private touchAllWatched(): void {
    for (const set of this.watchers.values()) for (const s of set) s.watchDirty = true;
  }

  // ---- replication ------------------------------------------------------------------------

  private replicatedMode(): boolean {
    return this.config.str('peers') !== '' || this.config.str('dir') !== '';
  }

  private async startReplication(port: number): Promise<void> {
    const c = this.config;
    const bind = c.str('bind');
    const name = c.str('id') === '' ? 'n1' : c.str('id');
    const peers: PeerSpec[] = c.str('peers') === '' ? parsePeers(`${name}=${bind}:${port}`) : parsePeers(c.str('peers'));
    const self = findPeer(peers, name);
    if (c.str('dir') === '' && c.str('fsync') !== 'none') {
      throw new FloeError('FLOE_ERR_CONFIG', 'replication needs --dir for its write-ahead log (or --fsync none for memory only)');
    }
    this.db.expireOnAccess = false; // only the leader deletes expired keys, through the log
    const repl = new Replication({
      self, peers, join: c.str('join') === 'yes', dir: c.str('dir') === '' ? '.floe-memory' : c.str('dir'),
      fsync: c.str('fsync') as 'always' | 'everysec' | 'none', clusterId: c.str('cluster-id'), bindHost: bind,
      tickMs: c.num('tick-ms'), electionTimeoutMs: c.num('election-timeout-ms'), leaseDriftMs: c.num('lease-drift-ms'),
      snapshotLogBytes: () => c.num('snapshot-log-bytes'),
      snapshotSliceMs: () => c.num('snapshot-slice-ms'),
      db: this.db,
      apply: (entry, index) => this.applyEntry(entry, index),
      snapshotWriter: () => this.snapshotWriter(SNAPSHOT_BUILD_CHUNK_BYTES),
      restore: (data) => this.restoreKeyspace(data),
      onForward: (from, kind, args) => this.routingLayer?.onForward(from, kind, args) ?? err('TRYAGAIN starting up'),
      log: (event, fields) => this.log(event, fields),
    });
    this.repl = repl;
    this.routingLayer = new ReplicatedRouting(repl, this);
    await repl.start();
  }

  /**
   * Applies one log entry on this replica; deterministic: time and randomness come from the
   * entry. Public so that the determinism test can apply one log to two fresh nodes.
   */
  applyEntry(entry: StoreEntry, index: number): Reply[] {
    const ctx = this.ctx;
    ctx.nowMs = entry.timeMs;
    ctx.random = new Xoshiro128(index);
    ctx.client = this.applyClient;
    const replies: Reply[] = [];
    if (entry.kind === ENTRY_COMMANDS) {
      for (const args of entry.commands) {
        const spec = resolveCommand(this.table, [...args]);
        const r = spec instanceof ErrorReply ? spec : spec.handler(ctx, [...args]);
        if (r instanceof Promise) throw new Error(`command ${args[0] ?? ''} blocked while being applied`);
        replies.push(r);
      }
    } else if (entry.kind === ENTRY_EXPIRE) {
      for (const key of entry.keys) if (this.db.raw(key) !== undefined && this.db.isExpired(key, entry.timeMs)) this.db.deleteExpired(key);
    } else if (entry.kind === ENTRY_EVICT) {
      for (const key of entry.keys) if (this.db.delete(key)) this.stats.evictedKeys++;
    } else if (entry.kind === ENTRY_PEER) {
      this.repl?.applyPeer(entry.keys);
    }
    ctx.random = this.random;
    return replies;
  }

  /** The leader picks eviction victims and proposes them; false when still over maxmemory. */
  makeRoomReplicated(): boolean {
    const repl = this.repl;
    if (repl === null || this.maxmemory <= 0 || this.db.usedBytes <= this.maxmemory) return true;
    let projected = this.db.usedBytes;
    for (const k of repl.pendingEvict) projected -= this.db.raw(k)?.bytes ?? 0;
    const victims: string[] = [];
    for (let tries = 0; projected > this.maxmemory && tries < EVICTION_KEYS_PER_COMMAND_MAX; tries++) {
      const key = this.evictor.pickVictim(this.db, this.policy, Date.now(), this.samples);
      if (key === undefined) break;
      if (repl.pendingEvict.has(key) || victims.includes(key)) continue;
      victims.push(key);
      projected -= this.db.raw(key)?.bytes ?? 0;
    }
    if (victims.length > 0) repl.evict(victims);
    return projected <= this.maxmemory;
  }

  clientAddress(): { host: string; port: number } {
    return { host: this.config.str('bind'), port: this.boundPort() };
  }

  clusterWaitMs(): number {
    return this.config.num('cluster-wait-ms');
  }

  routing(): 'proxy' | 'redirect' {
    return this.config.str('routing') === 'redirect' ? 'redirect' : 'proxy';
  }

  /** The keyspace as snapshot chunks of about chunkBytes each, in one go (snapshot-codec.ts). */
  snapshotChunks(chunkBytes: number): Buffer[] {
    const writer = this.snapshotWriter(chunkBytes);
    writer.step(Infinity);
    return writer.finish();
  }

  /** A snapshot of the keyspace as it is now, written a slice at a time while it changes. */
  snapshotWriter(chunkBytes: number): KeyspaceSnapshot {
    return new KeyspaceSnapshot(this.db, (key, v) => this.dumpCollection(key, v.type), chunkBytes);
  }

  /** Replaces the keyspace with a snapshot's keyspace part. */
  restoreKeyspace(data: Uint8Array): void {
    decodeKeyspace(this.db, data, this.ctx.nowMs, (key, type, items) => this.loadCollection(key, type, items));
  }

  /** A collection's items as its rebuild command takes them, read through the command table. */
  private dumpCollection(key: string, type: string): string[] {
    const read: Record<string, string[]> = {
      hash: ['hgetall', key], list: ['lrange', key, '0', '-1'], set: ['smembers', key], zset: ['zrange', key, '0', '-1', 'withscores'],
    };
    const args = read[type];
    if (args === undefined) throw new Error(`cannot snapshot a ${type}`);
    const flat: string[] = [];
    const walk = (r: Reply): void => {
      if (Array.isArray(r)) r.forEach(walk);
      else if (r instanceof MapReply) r.entries.forEach(walk);
      else if (r instanceof SetReply) r.items.forEach(walk);
      else if (r instanceof DoubleReply) flat.push(formatDouble(r.v));
      else if (typeof r === 'string') flat.push(r);
      else if (typeof r === 'number' || typeof r === 'bigint') flat.push(String(r));
    };
    walk(this.runInternal(args));
    if (type === 'zset') {
      // ZRANGE WITHSCORES gives member, score; ZADD takes score, member.
      for (let i = 0; i + 1 < flat.length; i += 2) [flat[i], flat[i + 1]] = [flat[i + 1] as string, flat[i] as string];
    }
    return flat;
  }

  private loadCollection(key: string, type: string, items: string[]): void {
    const write: Record<string, string> = { hash: 'hset', list: 'rpush', set: 'sadd', zset: 'zadd' };
    const name = write[type];
    if (name === undefined || items.length === 0) throw new Error(`cannot restore a ${type} from a snapshot`);
    const r = this.runInternal([name, key, ...items]);
    if (r instanceof ErrorReply) throw new Error(`snapshot restore of ${key} failed: ${r.message}`);
  }

  private runInternal(args: string[]): Reply {
    const spec = resolveCommand(this.table, args);
    if (spec instanceof ErrorReply) return spec;
    // A snapshot may dump a key in the middle of another command (copy on write): leave that
    // command's client in place afterwards.
    const client = this.ctx.client;
    this.ctx.client = this.applyClient;
    try {
      const r = spec.handler(this.ctx, args);
      if (r instanceof Promise) throw new Error('internal command blocked');
      return r;
    } finally {
      this.ctx.client = client;
    }
  }

  private log(event: string, fields: Record<string, unknown> = {}): void {
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n');
  }

  /** Replicated, and the replica is still loading its snapshot and log (or joining the bus). */
  private loading(): boolean {
    return this.repl !== null && !this.repl.started;
  }

  get replication(): Replication | null {
    return this.repl;
  }

  // ---- cron -----------------------------------------------------------------------------

  private cron(): void {
    const start = Date.now();
    if (this.repl === null) {
      this.activeExpire(start);
      this.evictInBackground(start);
    } else this.routingLayer?.cron(start);
    const mem = this.db.usedBytes;
    if (mem > this.stats.peakMemoryBytes) this.stats.peakMemoryBytes = mem;
    const timeoutMs = this.config.num('timeout') * 1000;
    for (const s of this.sessions.values()) {
      s.cron();
      if (timeoutMs > 0 && start - s.lastInteractionMs > timeoutMs && s.multi === null) s.close();
    }
  }

  /** Deletes expired keys, spending at most ACTIVE_EXPIRE_BUDGET_MS (25% of a 100 ms tick). */
  private activeExpire(start: number): void {
    const budgetMs = Math.min(ACTIVE_EXPIRE_BUDGET_MS, (1000 / this.config.num('hz')) / 4);
    let checked = 0;
    while (this.db.expires.size > 0 && checked < this.db.expires.size) {
      const now = Date.now();
      if (now - start >= budgetMs) break;
      const expired = this.db.collectExpired(now, ACTIVE_EXPIRE_KEYS_PER_LOOP);
      checked += ACTIVE_EXPIRE_KEYS_PER_LOOP;
      for (const key of expired) this.db.deleteExpired(key);
    }
  }

  // ---- ServerContext --------------------------------------------------------------------

  private serverContext(): ExecContext['server'] {
    return {
      startedAtMs: this.startedAtMs,
      configGet: (pattern) => this.config.entries().filter(([k]) => globMatch(pattern, k, true)),
      configSet: (name, value) => this.config.set(name, value),
      configCheck: (name, value) => this.config.check(name, value),
      resetStats: () => {
        this.stats = freshStats();
        this.db.stats.expiredKeys = 0;
        this.db.stats.keyspaceHits = 0;
        this.db.stats.keyspaceMisses = 0;
        this.slowlog.reset();
      },
      info: (sections) => renderInfo({ section: (n) => this.infoSection(n) }, sections),
      clientList: (filter) => [...this.sessions.values()]
        .filter((s) => filter.ids === undefined || filter.ids.includes(s.id))
        .map((s) => this.clientLine(s) + '\n').join(''),
      clientInfo: (c) => this.clientLine(c as ClientState) + '\n',
      clientKill: (f, self) => this.killClients(f, self),
      checkPassword: (user, pass) => user === 'default' && (this.password === '' || pass === this.password),
      passwordRequired: () => this.password !== '',
      slowlogGet: (n) => this.slowlog.get(n),
      slowlogLen: () => this.slowlog.length,
      slowlogReset: () => this.slowlog.reset(),
      afterFlush: () => this.evictor.reset(),
      commandTable: () => this.table,
      lfuEnabled: () => this.db.lfu,
      protoMaxBulkLen: () => this.config.num('proto-max-bulk-len'),
    };
  }

  private killClients(f: ClientKillFilter, self: ClientContext): number {
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (f.skipMe && s === self) continue;
      if (f.id !== undefined && s.id !== f.id) continue;
      if (f.addr !== undefined && s.addr !== f.addr) continue;
      if (f.laddr !== undefined && s.laddr !== f.laddr) continue;
      if (f.user !== undefined && s.user !== f.user) continue;
      n++;
      if (s === self) s.closeAfterReply = true;
      else s.close();
    }
    return n;
  }

  private clientLine(s: ClientState): string {
    const now = Date.now();
    const multi = s.multi === null ? -1 : s.multi.length;
    return `id=${s.id} addr=${s.addr} laddr=${s.laddr} fd=-1 name=${s.name} age=${Math.floor((now - s.createdMs) / 1000)} ` +
      `idle=${Math.floor((now - s.lastInteractionMs) / 1000)} flags=${s.multi === null ? 'N' : 'x'} db=0 sub=0 psub=0 ssub=0 ` +
      `multi=${multi} qbuf=${s.inputBytes} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 ` +
      `omem=${s.outputBytes} tot-mem=${s.inputBytes + s.outputBytes} events=r cmd=${s.lastCommand} user=${s.user} ` +
      `redir=-1 resp=${s.proto} lib-name=${s.libName} lib-ver=${s.libVer}`;
  }

  private infoSection(name: string): [string, string | number][] | null {
    const st = this.stats;
    switch (name) {
      case 'server':
        return serverSection(this.boundPort(), this.startedAtMs, Date.now(), this.runId, this.config.num('hz'), this.config.file);
      case 'clients':
        return [['connected_clients', this.sessions.size], ['maxclients', this.config.num('maxclients')],
          ['blocked_clients', this.blocking.count], ['tracking_clients', 0], ['watching_clients', new Set([...this.watchers.values()].flatMap((s) => [...s])).size]];
      case 'memory': {
        const used = this.db.usedBytes;
        const rss = process.memoryUsage.rss();
        const peak = Math.max(st.peakMemoryBytes, used);
        return [['used_memory', used], ['used_memory_human', humanBytes(used)], ['used_memory_rss', rss],
          ['used_memory_rss_human', humanBytes(rss)], ['used_memory_peak', peak], ['used_memory_peak_human', humanBytes(peak)],
          ['used_memory_dataset', used], ['maxmemory', this.maxmemory], ['maxmemory_human', humanBytes(this.maxmemory)],
          ['maxmemory_policy', this.policy], ['mem_fragmentation_ratio', used > 0 ? (rss / used).toFixed(2) : '0.00'],
          ['mem_allocator', 'v8']];
      }
      case 'persistence':
        return [['loading', this.loading() ? 1 : 0], ['async_loading', 0], ['rdb_changes_since_last_save', 0], ['rdb_bgsave_in_progress', 0],
          ['aof_enabled', 0], ['aof_rewrite_in_progress', 0]];
      case 'stats': {
        const ks = this.db.stats;
        return [['total_connections_received', st.connectionsReceived], ['total_commands_processed', st.commandsProcessed],
          ['total_net_input_bytes', st.netInputBytes], ['total_net_output_bytes', st.netOutputBytes],
          ['rejected_connections', st.rejectedConnections], ['expired_keys', ks.expiredKeys], ['evicted_keys', st.evictedKeys],
          ['keyspace_hits', ks.keyspaceHits], ['keyspace_misses', ks.keyspaceMisses], ['total_error_replies', st.errorReplies]];
      }
      case 'replication':
        if (this.loading()) return [['role', 'slave'], ['master_link_status', 'down'], ['connected_slaves', 0]];
        return this.repl === null ? [['role', 'master'], ['connected_slaves', 0]] : replicationInfo(this.repl);
      case 'raft':
        if (this.loading()) return [['raft_role', 'loading']];
        return this.repl === null ? null : raftInfo(this.repl);
      case 'cpu': {
        const u = process.cpuUsage();
        return [['used_cpu_sys', (u.system / 1e6).toFixed(6)], ['used_cpu_user', (u.user / 1e6).toFixed(6)]];
      }
      case 'keyspace':
        return this.db.size === 0 ? [] : [['db0', `keys=${this.db.size},expires=${this.db.expires.size},avg_ttl=0`]];
      default:
        return null;
    }
  }

  private boundPort(): number {
    const a = this.servers[0]?.address();
    return typeof a === 'object' && a !== null ? a.port : this.config.num('port');
  }
}

function listen(server: Server | TlsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(new FloeError('FLOE_ERR_LISTEN', `cannot listen on ${host}:${port}: ${e.message}`, { cause: e }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    });
  });
}
