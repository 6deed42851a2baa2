// One client connection: bytes in → parser → commands → replies out. Replies to everything a
// read delivered leave in one socket write. The session owns the connection's state (protocol
// version, name, auth, MULTI queue, watched keys) and the output-buffer limits.

import type { Socket } from 'node:net';
import { RespParser } from '../protocol/parser.ts';
import { err, type Reply } from '../protocol/reply.ts';
import { ReplyWriter } from '../protocol/writer.ts';
import { ClientState } from './client-state.ts';

/** What a session needs from its node. */
export interface SessionHost {
  process(session: ClientState, args: string[]): Reply | Promise<Reply>;
  closed(session: Session): void;
  passwordRequired(): boolean;
  outputLimits(): { hardBytes: number; softBytes: number; softSeconds: number };
  countInput(bytes: number): void;
  countOutput(bytes: number): void;
  nowMs(): number;
}

export class Session extends ClientState {
  readonly socket: Socket;
  readonly parser: RespParser;
  readonly writer = new ReplyWriter();
  /** Time the output buffer first went above the soft limit (0 = below it). */
  private softSinceMs = 0;
  private busy = false;
  private closed = false;
  private readonly host: SessionHost;

  constructor(id: number, socket: Socket, host: SessionHost, parser: RespParser) {
    super(id, !host.passwordRequired(), `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`, host.nowMs());
    this.socket = socket;
    this.host = host;
    this.parser = parser;
    this.parser.authenticated = this.authenticated;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('drain', () => {
      this.softSinceMs = 0;
    });
  }

  override get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes waiting to go out: queued in the socket plus replies not yet handed to it. */
  override get outputBytes(): number {
    return this.socket.writableLength + this.writer.length;
  }

  get inputBytes(): number {
    return this.parser.pendingBytes;
  }

  protected passwordRequired(): boolean {
    return this.host.passwordRequired();
  }

  override reset(): void {
    super.reset();
    this.writer.proto = 2;
    this.parser.authenticated = this.authenticated;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.host.countInput(chunk.length);
    this.lastInteractionMs = this.host.nowMs();
    this.parser.feed(chunk);
    if (this.parser.overflow) {
      // Redis closes such a client without a reply.
      this.close();
      return;
    }
    this.drain();
  }

  /** Runs every complete command that has arrived, unless one is still in progress. */
  private drain(): void {
    while (!this.busy && !this.closed) {
      const args = this.parser.next();
      if (args === null) break;
      const reply = this.host.process(this, args);
      if (reply instanceof Promise) {
        this.busy = true;
        reply.then(
          (r) => this.resume(r),
          (e: unknown) => this.resume(err(`ERR ${e instanceof Error ? e.message : String(e)}`)),
        );
        break;
      }
      this.reply(reply);
      if (this.closeAfterReply) break;
    }
    if (!this.busy && this.parser.error !== null && !this.closed) {
      this.writer.write(err(`ERR ${this.parser.error}`));
      this.closeAfterReply = true;
    }
    this.flush();
  }

  private resume(r: Reply): void {
    this.busy = false;
    if (this.closed) return;
    this.reply(r);
    if (this.closeAfterReply) this.flush();
    else this.drain();
  }

  private reply(r: Reply): void {
    this.writer.proto = this.proto;
    this.parser.authenticated = this.authenticated;
    this.writer.write(r);
  }

  /** Sends an out-of-band reply (e.g. a blocked command's answer) and flushes it. */
  override push(r: Reply): void {
    if (this.closed) return;
    this.reply(r);
    this.flush();
  }

  flush(): void {
    if (this.closed) return;
    if (this.writer.length > 0) {
      const out = this.writer.take();
      this.host.countOutput(out.length);
      this.socket.write(out);
    }
    if (this.closeAfterReply) {
      this.socket.end();
      this.close();
      return;
    }
    this.checkOutputLimits();
  }

  /** A client that does not read its replies is cut off before it can grow memory. */
  private checkOutputLimits(): void {
    const pending = this.socket.writableLength;
    const { hardBytes, softBytes, softSeconds } = this.host.outputLimits();
    if (hardBytes > 0 && pending > hardBytes) {
      this.socket.destroy();
      this.close();
      return;
    }
    if (softBytes > 0 && pending > softBytes) {
      const now = this.host.nowMs();
      if (this.softSinceMs === 0) this.softSinceMs = now;
      else if (now - this.softSinceMs > softSeconds * 1000) {
        this.socket.destroy();
        this.close();
      }
    } else {
      this.softSinceMs = 0;
    }
  }

  /** Periodic check for the soft limit, which only a lasting excess breaks. */
  cron(): void {
    if (!this.closed && this.socket.writableLength > 0) this.checkOutputLimits();
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.destroy();
    this.host.closed(this);
  }
}
