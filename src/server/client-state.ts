// The state of one client, apart from its transport: protocol version, name, auth, the MULTI
// queue and watched keys. A socket connection (Session) has one; so does a client whose
// commands a follower forwards to this node (its state lives where the commands run).

import type { ClientContext, CommandSpec } from '../commands/types.ts';
import type { Reply } from '../protocol/reply.ts';

export interface QueuedCommand {
  spec: CommandSpec;
  args: string[];
}

export abstract class ClientState implements ClientContext {
  readonly id: number;
  name = '';
  proto: 2 | 3 = 2;
  authenticated: boolean;
  user = 'default';
  libName = '';
  libVer = '';
  noEvict = false;
  closeAfterReply = false;
  /** READONLY on a replica connection: serve reads from the local copy, possibly stale. */
  readonlyReplicaReads = false;
  /** Raft log index of this client's last write (WAIT counts replicas that hold it). */
  lastWriteIndex = 0;

  /** MULTI state: the queued commands, or null outside a transaction. */
  multi: QueuedCommand[] | null = null;
  /** A queued command was refused (unknown, wrong arity): EXEC answers EXECABORT. */
  multiDirty = false;
  /** Watched keys → whether the key was already expired when WATCHed. */
  readonly watched = new Map<string, boolean>();
  /** A watched key changed: EXEC answers null. */
  watchDirty = false;

  readonly addr: string;
  readonly laddr: string;
  readonly createdMs: number;
  lastInteractionMs: number;
  lastCommand = 'NULL';

  constructor(id: number, authenticated: boolean, addr: string, laddr: string, nowMs: number) {
    this.id = id;
    this.authenticated = authenticated;
    this.addr = addr;
    this.laddr = laddr;
    this.createdMs = nowMs;
    this.lastInteractionMs = nowMs;
  }

  /** Bytes queued for this client and not yet sent. */
  abstract get outputBytes(): number;
  /** Bytes received and not yet parsed. */
  abstract get inputBytes(): number;
  abstract get isClosed(): boolean;
  /** Sends an out-of-band reply (a blocked command's answer). */
  abstract push(r: Reply): void;
  abstract close(): void;
  /** Whether a password is needed now (RESET returns to the unauthenticated state). */
  protected abstract passwordRequired(): boolean;

  reset(): void {
    this.multi = null;
    this.multiDirty = false;
    this.watched.clear();
    this.watchDirty = false;
    this.proto = 2;
    this.name = '';
    this.noEvict = false;
    this.readonlyReplicaReads = false;
    this.authenticated = !this.passwordRequired();
    this.user = 'default';
  }
}

/** The client that log entries are applied as: no connection, always authenticated. */
export class InternalClient extends ClientState {
  constructor() {
    super(0, true, 'internal', '', 0);
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
    // Nobody reads replies of applied entries except through their return value.
  }
  close(): void {
    // Nothing to close.
  }
  protected passwordRequired(): boolean {
    return false;
  }
}
