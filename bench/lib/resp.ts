// A minimal RESP client for the benchmark: encodes commands, parses RESP2/RESP3 replies
// incrementally and matches them to requests in order. It is deliberately separate from
// src/protocol so the harness measures Floe with code Floe does not share.

import net from 'node:net';

/** A reply the server sent as an error (`-ERR ...`); a value, not a throw. */
export class RespError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

export type Reply = string | number | boolean | null | Buffer | RespError | Reply[];

/** Bulk replies larger than this are a harness bug or a hostile server, not a benchmark. */
const bulkBytesMax = 64 * 1024 * 1024; // 64 MiB
/** Requests waiting for a reply on one connection; the load generator stays far below. */
const pendingRepliesMax = 1_000_000;
const connectTimeoutMsDefault = 5_000;

export function encodeCommand(args: ReadonlyArray<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const b = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, crlf);
  }
  return Buffer.concat(parts);
}
const crlf = Buffer.from('\r\n');

type Parsed = { value: Reply; end: number } | undefined;

/** Parses one reply starting at `pos`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): Parsed {
  if (pos >= buf.length) return undefined;
  const lineEnd = buf.indexOf(crlf, pos);
  if (lineEnd < 0) return undefined;
  const type = buf[pos];
  const line = buf.toString('latin1', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case 0x2b: return { value: line, end: next }; // '+'
    case 0x2d: return { value: new RespError(line), end: next }; // '-'
    case 0x3a: return { value: Number(line), end: next }; // ':'
    case 0x2c: return { value: Number(line), end: next }; // ',' RESP3 double
    case 0x28: return { value: line, end: next }; // '(' RESP3 big number
    case 0x23: return { value: line === 't', end: next }; // '#' RESP3 boolean
    case 0x5f: return { value: null, end: next }; // '_' RESP3 null
    case 0x24: case 0x3d: case 0x21: return parseBulk(buf, type, Number(line), next); // '$' '=' '!'
    case 0x2a: case 0x7e: case 0x3e: return parseArray(buf, Number(line), next); // '*' '~' '>'
    case 0x25: return parseArray(buf, Number(line) * 2, next); // '%' map as flat pairs
    case 0x7c: { // '|' attributes: skip them, the reply follows
      const attrs = parseArray(buf, Number(line) * 2, next);
      return attrs === undefined ? undefined : parseReply(buf, attrs.end);
    }
    default: throw new Error(`bench resp: unexpected reply type byte ${String(type)}`);
  }
}

function parseBulk(buf: Buffer, type: number | undefined, len: number, start: number): Parsed {
  if (len < 0) return { value: null, end: start };
  if (len > bulkBytesMax) throw new Error(`bench resp: bulk of ${len} bytes exceeds ${bulkBytesMax}`);
  if (buf.length < start + len + 2) return undefined;
  const body = buf.subarray(start, start + len);
  if (type === 0x21) return { value: new RespError(body.toString()), end: start + len + 2 };
  // Verbatim strings carry a 4-byte format prefix ("txt:").
  return { value: type === 0x3d ? body.subarray(4) : body, end: start + len + 2 };
}

function parseArray(buf: Buffer, count: number, start: number): Parsed {
  if (count < 0) return { value: null, end: start };
  const items: Reply[] = [];
  let pos = start;
  for (let i = 0; i < count; i++) {
    const item = parseReply(buf, pos);
    if (item === undefined) return undefined;
    items.push(item.value);
    pos = item.end;
  }
  return { value: items, end: pos };
}

export type ReplyHandler = (reply: Reply) => void;

/** One connection. Replies are handed to handlers in the order the requests were written. */
export class RespClient {
  private readonly socket: net.Socket;
  private readonly handlers: ReplyHandler[] = [];
  private handlersHead = 0;
  private pendingBuf: Buffer = Buffer.alloc(0);
  private failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static connect(host: string, port: number, timeoutMs = connectTimeoutMsDefault): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespClient(socket));
      });
    });
  }

  get pending(): number {
    return this.handlers.length - this.handlersHead;
  }

  /** Writes an encoded request and registers one handler per reply it will produce. */
  sendEncoded(request: Buffer, onReply: ReplyHandler): void {
    if (this.failure !== undefined) {
      onReply(new RespError(`BENCHCONN ${this.failure.message}`));
      return;
    }
    if (this.pending >= pendingRepliesMax) throw new Error(`bench resp: more than ${pendingRepliesMax} pending replies`);
    this.handlers.push(onReply);
    this.socket.write(request);
  }

  /** Writes several encoded requests at once; `onReply` is called once per reply, in order. */
  sendBatch(requests: Buffer, replies: number, onReply: ReplyHandler): void {
    if (this.failure !== undefined) {
      for (let i = 0; i < replies; i++) onReply(new RespError(`BENCHCONN ${this.failure.message}`));
      return;
    }
    if (this.pending + replies > pendingRepliesMax) throw new Error(`bench resp: more than ${pendingRepliesMax} pending replies`);
    for (let i = 0; i < replies; i++) this.handlers.push(onReply);
    this.socket.write(requests);
  }

  call(...args: Array<string | Buffer | number>): Promise<Reply> {
    return new Promise((resolve) => this.sendEncoded(encodeCommand(args), resolve));
  }

  /** Sends many commands in one write and resolves with all replies in order. */
  pipeline(commands: ReadonlyArray<ReadonlyArray<string | Buffer | number>>): Promise<Reply[]> {
    return new Promise((resolve) => {
      const replies: Reply[] = [];
      if (commands.length === 0) resolve(replies);
      const onReply = (r: Reply): void => {
        replies.push(r);
        if (replies.length === commands.length) resolve(replies);
      };
      this.socket.cork();
      for (const c of commands) this.sendEncoded(encodeCommand(c), onReply);
      this.socket.uncork();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.pendingBuf.length === 0 ? chunk : Buffer.concat([this.pendingBuf, chunk]);
    let pos = 0;
    while (pos < buf.length) {
      const parsed = parseReply(buf, pos);
      if (parsed === undefined) break;
      pos = parsed.end;
      const h = this.handlers[this.handlersHead];
      if (h === undefined) throw new Error('bench resp: reply without a request');
      this.handlers[this.handlersHead++] = noop;
      this.compactHandlers();
      h(parsed.value);
    }
    this.pendingBuf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  }

  private compactHandlers(): void {
    // Drop the consumed prefix now and then so the array does not grow without bound.
    if (this.handlersHead > 4096 && this.handlersHead * 2 > this.handlers.length) {
      this.handlers.splice(0, this.handlersHead);
      this.handlersHead = 0;
    }
  }

  private fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    const waiting = this.handlers.slice(this.handlersHead);
    this.handlers.length = 0;
    this.handlersHead = 0;
    for (const h of waiting) h(new RespError(`BENCHCONN ${err.message}`));
  }
}

function noop(): void {}

export function replyText(r: Reply): string {
  if (Buffer.isBuffer(r)) return r.toString();
  if (r instanceof RespError) return `-${r.message}`;
  return String(r);
}

/** True for the error Redis (and Floe, which copies it) sends for a command it lacks. */
export function isUnknownCommand(r: Reply): boolean {
  return r instanceof RespError && /unknown command/i.test(r.message);
}

/** Parses `INFO` text into field → value. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}
