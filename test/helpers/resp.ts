// A raw RESP2/RESP3 client for whole-process tests: it sends exact bytes (split frames, inline
// commands, garbage) and decodes every reply with its type intact, so tests can compare
// replies byte for byte with redis-server's and see a closed connection for what it is.

import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'int'; value: bigint }
  | { type: 'bulk'; value: string | null }
  | { type: 'array'; value: RespValue[] | null }
  | { type: 'null' }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'bignum'; value: string }
  | { type: 'verbatim'; value: string }
  | { type: 'map'; value: [RespValue, RespValue][] }
  | { type: 'set'; value: RespValue[] }
  | { type: 'push'; value: RespValue[] };

const REPLY_TIMEOUT_MS = 10_000;

/** Decodes one reply from buf at pos; null when the reply is not complete yet. */
export function decodeReply(buf: Buffer, pos: number): { value: RespValue; end: number } | null {
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const prefix = String.fromCharCode(buf[pos] ?? 0);
  const line = buf.toString('latin1', pos + 1, nl);
  const next = nl + 2;
  switch (prefix) {
    case '+': return { value: { type: 'simple', value: line }, end: next };
    case '-': return { value: { type: 'error', value: line }, end: next };
    case ':': return { value: { type: 'int', value: BigInt(line) }, end: next };
    case ',': return { value: { type: 'double', value: line }, end: next };
    case '#': return { value: { type: 'bool', value: line === 't' }, end: next };
    case '(': return { value: { type: 'bignum', value: line }, end: next };
    case '_': return { value: { type: 'null' }, end: next };
    case '$': case '=': case '!': {
      const n = Number(line);
      if (n < 0) return { value: { type: 'bulk', value: null }, end: next };
      if (buf.length < next + n + 2) return null;
      const s = buf.toString('latin1', next, next + n);
      const end = next + n + 2;
      if (prefix === '!') return { value: { type: 'error', value: s }, end };
      if (prefix === '=') return { value: { type: 'verbatim', value: s.slice(4) }, end };
      return { value: { type: 'bulk', value: s }, end };
    }
    case '*': case '~': case '>': case '%': {
      const n = Number(line);
      if (n < 0) return { value: { type: 'array', value: null }, end: next };
      const count = prefix === '%' ? n * 2 : n;
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const r = decodeReply(buf, at);
        if (r === null) return null;
        items.push(r.value);
        at = r.end;
      }
      if (prefix === '%') {
        const pairs: [RespValue, RespValue][] = [];
        for (let i = 0; i < items.length; i += 2) pairs.push([items[i] as RespValue, items[i + 1] as RespValue]);
        return { value: { type: 'map', value: pairs }, end: at };
      }
      const type = prefix === '*' ? 'array' : prefix === '~' ? 'set' : 'push';
      return { value: { type, value: items } as RespValue, end: at };
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(prefix)} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`);
  }
}

/** Encodes a command as a RESP multibulk frame (arguments as one-byte strings). */
export function encodeCommand(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A compact canonical text form of a reply, for assertions and differential comparison. */
export function show(v: RespValue): string {
  switch (v.type) {
    case 'simple': return `+${v.value}`;
    case 'error': return `-${v.value}`;
    case 'int': return `:${v.value}`;
    case 'bulk': return v.value === null ? '(nil)' : JSON.stringify(v.value);
    case 'array': return v.value === null ? '(nil array)' : `[${v.value.map(show).join(', ')}]`;
    case 'null': return '(null)';
    case 'double': return `,${v.value}`;
    case 'bool': return `#${v.value ? 't' : 'f'}`;
    case 'bignum': return `(${v.value}`;
    case 'verbatim': return `=${JSON.stringify(v.value)}`;
    case 'map': return `{${v.value.map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
    case 'set': return `~[${v.value.map(show).join(', ')}]`;
    case 'push': return `>[${v.value.map(show).join(', ')}]`;
  }
}

export class RawClient {
  readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect({ port, host });
    await once(socket, 'connect');
    socket.setNoDelay(true);
    return new RawClient(socket);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** True once the server closed the connection (or it failed). */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Bytes received and not yet decoded. */
  get pending(): Buffer {
    return this.buf;
  }

  write(data: Buffer | string): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** The next reply; rejects when the connection closes first or nothing comes in time. */
  async read(timeoutMs = REPLY_TIMEOUT_MS): Promise<RespValue> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const r = this.buf.length > 0 ? decodeReply(this.buf, 0) : null;
      if (r !== null) {
        this.buf = this.buf.subarray(r.end);
        return r.value;
      }
      if (this.ended) throw new Error(`connection closed (pending ${JSON.stringify(this.buf.toString('latin1'))})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (pending ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends one command and reads its reply. */
  async call(...args: (string | Buffer | number)[]): Promise<RespValue> {
    this.write(encodeCommand(args));
    return this.read();
  }

  /** Sends one command and returns the canonical text of its reply. */
  async text(...args: (string | Buffer | number)[]): Promise<string> {
    return show(await this.call(...args));
  }

  /** Resolves once the server has closed the connection (rejects after timeoutMs). */
  async waitClosed(timeoutMs = REPLY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
