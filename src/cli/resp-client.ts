// A minimal RESP2 client for the `floe` admin commands: one command at a time, replies as
// plain values. (Applications use ioredis or node-redis; this keeps the CLI dependency-free.)

import { connect, type Socket } from 'node:net';

export type Plain = string | number | null | Plain[] | { error: string };

const REPLY_BYTES_MAX = 64 * 1024 * 1024; // 64 MiB: larger replies are refused

function parse(buf: Buffer, at: number): { value: Plain; end: number } | null {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return null;
  const line = buf.toString('latin1', at + 1, nl);
  switch (buf[at]) {
    case 43: return { value: line, end: nl + 2 }; // +
    case 45: return { value: { error: line }, end: nl + 2 }; // -
    case 58: return { value: Number(line), end: nl + 2 }; // :
    case 36: { // $
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      if (buf.length < nl + 2 + n + 2) return null;
      return { value: buf.toString('latin1', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    case 42: { // *
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      const items: Plain[] = [];
      let pos = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, pos);
        if (r === null) return null;
        items.push(r.value);
        pos = r.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected reply byte ${buf[at]}`);
  }
}

export class AdminClient {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((v: Plain) => void)[] = [];
  private failure: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<AdminClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`cannot reach ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(new AdminClient(s));
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot reach ${host}:${port}: ${e.message}`));
      });
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    if (this.buf.length > REPLY_BYTES_MAX) this.fail(new Error('reply too large'));
    while (this.waiting.length > 0) {
      const r = parse(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r.end);
      this.waiting.shift()?.(r.value);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting) w({ error: e.message });
    this.waiting = [];
  }

  call(...args: string[]): Promise<Plain> {
    if (this.failure !== null) return Promise.resolve({ error: this.failure.message });
    let frame = `*${args.length}\r\n`;
    for (const a of args) frame += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    this.socket.write(frame);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** INFO text as a map of field → value. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
