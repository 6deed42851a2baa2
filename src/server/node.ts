// A single Floe node: listening sockets (plain and TLS), the sessions, the keyspace, and the
// dispatcher that runs each command — resolve, check auth, queue in MULTI, make room under
// maxmemory, call the handler, account. The cron does active expiry and client housekeeping.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { ACTIVE_EXPIRE_BUDGET_MS, ACTIVE_EXPIRE_KEYS_PER_LOOP, CRON_TICK_MS } from '../constants.ts';
import { resolveCommand, buildCommandTable } from '../commands/table.ts';
import { F, type ClientContext, type ClientKillFilter, type CommandSpec, type ExecContext } from '../commands/types.ts';
import { RespParser } from '../protocol/parser.ts';
import { err, ErrorReply, ERR_NOAUTH, ERR_OOM, QUEUED, type Reply } from '../protocol/reply.ts';
import { Evictor, performEvictions, type EvictionPolicy } from '../store/evict.ts';
import { Keyspace } from '../store/keyspace.ts';
import { FloeError } from '../util/errors.ts';
import { globMatch } from '../util/glob.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { Config } from './config.ts';
import { humanBytes, renderInfo, serverSection } from './info.ts';
import { Session, type SessionHost } from './session.ts';
import type { ClientState } from './client-state.ts';
import { Slowlog } from './slowlog.ts';
import { transactionCommands, TX_CONTROL, type TransactionHost } from './transactions.ts';

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

export class FloeNode implements SessionHost, TransactionHost {
  readonly config: Config;
  readonly db: Keyspace;
  readonly table: Map<string, CommandSpec>;
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
  // Hot settings, cached from the config on every change.
  private maxmemory = 0;
  private policy: EvictionPolicy = 'noeviction';
  private samples = 5;
  private slowerThanUs = 0;
  private password = '';

  constructor(config: Config) {
    this.config = config;
    this.random = new Xoshiro128(Date.now());
    this.db = new Keyspace(new Xoshiro128(this.random.nextUint32()));
    this.evictor = new Evictor(new Xoshiro128(this.random.nextUint32()));
    this.slowlog = new Slowlog(config.num('slowlog-max-len'));
    this.table = buildCommandTable(transactionCommands(this));
    this.ctx = { db: this.db, nowMs: 0, random: this.random, client: null as unknown as ClientContext, server: this.serverContext() };
    this.db.onKeyChanged = (key) => this.touchWatched(key);
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
    this.slowlog.maxLen = c.num('slowlog-max-len');
    this.slowlog.trim();
    this.password = c.str('requirepass');
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
    this.sessions.delete(session.id);
  }

  passwordRequired(): boolean {
    return this.password !== '';
  }

  outputLimits(): { hardBytes: number; softBytes: number; softSeconds: number } {
    const [, hard, soft, secs] = this.config.str('client-output-buffer-limit').split(' ');
    return { hardBytes: Number(hard), softBytes: Number(soft), softSeconds: Number(secs) };
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
    const nowMs = Date.now();
    if (session.multi !== null && !TX_CONTROL.has(spec.name)) {
      if ((spec.flags & F.NO_MULTI) !== 0) return this.refuse(session, err('ERR Command not allowed inside a transaction'));
      if ((spec.flags & F.DENYOOM) !== 0 && !this.makeRoom(nowMs)) return this.refuse(session, ERR_OOM);
      session.multi.push({ spec, args });
      return QUEUED;
    }
    if (this.maxmemory > 0 && (spec.flags & F.LOCAL) === 0 && !this.makeRoom(nowMs) && (spec.flags & F.DENYOOM) !== 0) {
      return this.refuse(session, ERR_OOM);
    }
    return this.call(session, spec, args, nowMs);
  }

  private refuse(session: ClientState, e: ErrorReply): ErrorReply {
    if (session.multi !== null) session.multiDirty = true;
    this.stats.errorReplies++;
    return e;
  }

  private call(session: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply {
    const ctx = this.ctx;
    ctx.client = session;
    ctx.nowMs = nowMs;
    const timed = this.slowerThanUs >= 0;
    const t0 = timed ? process.hrtime.bigint() : 0n;
    const reply = spec.handler(ctx, args);
    this.stats.commandsProcessed++;
    if (reply instanceof ErrorReply) this.stats.errorReplies++;
    if (timed) {
      const us = Number((process.hrtime.bigint() - t0) / 1000n);
      if (us > this.slowerThanUs && spec.name !== 'exec') this.slowlog.add(args, us, nowMs, session.addr, session.name);
    }
    return reply;
  }

  // ---- TransactionHost ------------------------------------------------------------------

  runQueued(session: ClientState, spec: CommandSpec, args: string[], nowMs: number): Reply {
    return this.call(session, spec, args, nowMs);
  }

  /** Evicts until under maxmemory; false when still over and the policy allows no more. */
  makeRoom(nowMs: number): boolean {
    if (this.maxmemory <= 0 || this.db.usedBytes <= this.maxmemory) return true;
    const outcome = performEvictions(this.db, this.evictor, this.policy, this.maxmemory, nowMs, this.samples, (key) => {
      this.db.delete(key);
      this.stats.evictedKeys++;
    });
    return outcome.ok && this.db.usedBytes <= this.maxmemory;
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

  // ---- cron -----------------------------------------------------------------------------

  private cron(): void {
    const start = Date.now();
    this.activeExpire(start);
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
          ['blocked_clients', 0], ['tracking_clients', 0], ['watching_clients', new Set([...this.watchers.values()].flatMap((s) => [...s])).size]];
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
        return [['loading', 0], ['async_loading', 0], ['rdb_changes_since_last_save', 0], ['rdb_bgsave_in_progress', 0],
          ['aof_enabled', 0], ['aof_rewrite_in_progress', 0]];
      case 'stats': {
        const ks = this.db.stats;
        return [['total_connections_received', st.connectionsReceived], ['total_commands_processed', st.commandsProcessed],
          ['total_net_input_bytes', st.netInputBytes], ['total_net_output_bytes', st.netOutputBytes],
          ['rejected_connections', st.rejectedConnections], ['expired_keys', ks.expiredKeys], ['evicted_keys', st.evictedKeys],
          ['keyspace_hits', ks.keyspaceHits], ['keyspace_misses', ks.keyspaceMisses], ['total_error_replies', st.errorReplies]];
      }
      case 'replication':
        return [['role', 'master'], ['connected_slaves', 0]];
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
