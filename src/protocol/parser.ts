// Incremental RESP request parser: multibulk frames (`*N\r\n$len\r\n...`) and inline commands
// (`SET a b\r\n`, as telnet and redis-cli send). A frame may be split anywhere across reads;
// the parser keeps what it has and resumes. Arguments come out as one-byte strings.

import {
  CLIENT_QUERY_BUFFER_LIMIT_BYTES, INLINE_LENGTH_MAX_BYTES, MULTIBULK_LENGTH_MAX, PROTO_MAX_BULK_LEN_BYTES,
  UNAUTH_BULK_LEN_MAX_BYTES, UNAUTH_MULTIBULK_LENGTH_MAX,
} from '../constants.ts';
import { splitInlineArgs } from './inline.ts';

const CR = 13;
const LF = 10;
// Arguments up to this many bytes are built with String.fromCharCode, which V8 runs without
// leaving JavaScript; longer ones with Buffer#toString, whose fixed cost (a call into C++)
// is then small beside the copy. Either way the result is a flat string that owns its bytes.
const SHORT_ARG_BYTES = 8;
const HEADER_SCAN_BYTES = 32; // a `$len` or `*count` line is scanned by hand this far, then by indexOf
const fromCharCode = String.fromCharCode;

export interface ParserLimits {
  bulkLenMax: number; // bytes, proto-max-bulk-len
  queryBufferMax: number; // bytes, client-query-buffer-limit
}

export const defaultParserLimits = (): ParserLimits => ({
  bulkLenMax: PROTO_MAX_BULK_LEN_BYTES,
  queryBufferMax: CLIENT_QUERY_BUFFER_LIMIT_BYTES,
});

export class RespParser {
  /** Set once the input broke the protocol; the connection answers it and closes. */
  error: string | null = null;
  /** Set when the unparsed input passed the query buffer limit; the connection just closes. */
  overflow = false;
  /** Before AUTH the limits are much smaller (Redis does the same). */
  authenticated = true;
  limits: ParserLimits;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  // Chunks waiting until a large bulk is complete, so a 100 MB value is copied once, not once
  // per read.
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private needBytes = 0;

  // A multibulk in progress: resumes at the element that was incomplete.
  private args: string[] | null = null;
  private argsLeft = 0;
  private bulkLen = -1;

  constructor(limits: ParserLimits = defaultParserLimits()) {
    this.limits = limits;
  }

  /** Bytes received but not yet turned into commands (the query buffer). */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.waitingBytes;
  }

  feed(chunk: Buffer): void {
    if (this.needBytes > 0) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
      if (this.buf.length - this.pos + this.waitingBytes >= this.needBytes) this.joinWaiting();
    } else if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    if (this.pendingBytes > this.limits.queryBufferMax) this.overflow = true;
  }

  private joinWaiting(): void {
    this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.waiting]);
    this.pos = 0;
    this.waiting = [];
    this.waitingBytes = 0;
    this.needBytes = 0;
  }

  /** The next complete command, or null when more input is needed or an error occurred. */
  next(): string[] | null {
    if (this.error !== null || this.overflow || this.needBytes > 0) return null;
    while (true) {
      if (this.args === null) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 42 /* '*' */) return this.inline();
        if (!this.multibulkHeader()) return null;
        if (this.args === null) continue; // `*0` or `*-1`: nothing to run
      }
      const cmd = this.multibulkBody();
      if (cmd !== null || this.error !== null) return cmd;
      return null;
    }
  }

  private findLineEnd(from: number): number {
    return this.buf.indexOf(LF, from);
  }

  /** Index of the first CR at or after `from`, or -1. Header lines are short: a loop beats indexOf's call. */
  private crFrom(from: number): number {
    const buf = this.buf;
    const end = Math.min(buf.length, from + HEADER_SCAN_BYTES);
    for (let i = from; i < end; i++) if (buf[i] === CR) return i;
    return end < buf.length ? buf.indexOf(CR, end) : -1;
  }

  private fail(message: string): null {
    this.error = `Protocol error: ${message}`;
    return null;
  }

  private inline(): string[] | null {
    const nl = this.findLineEnd(this.pos);
    if (nl < 0) {
      if (this.buf.length - this.pos > INLINE_LENGTH_MAX_BYTES) return this.fail('too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const args = splitInlineArgs(line);
    if (args === null) return this.fail('unbalanced quotes in request');
    if (args.length === 0) return this.next();
    return args;
  }

  /**
   * Reads `*N\r\n`; returns false when the line is incomplete or invalid. As in Redis, the line
   * ends at the first CR and the byte after it is skipped unchecked.
   */
  private multibulkHeader(): boolean {
    const cr = this.crFrom(this.pos);
    if (cr < 0) {
      if (this.buf.length - this.pos > INLINE_LENGTH_MAX_BYTES) this.fail('too big mbulk count string');
      return false;
    }
    if (cr + 2 > this.buf.length) return false;
    const n = parseLength(this.buf, this.pos + 1, cr);
    if (n === null || n > MULTIBULK_LENGTH_MAX) {
      this.fail('invalid multibulk length');
      return false;
    }
    if (!this.authenticated && n > UNAUTH_MULTIBULK_LENGTH_MAX) {
      this.fail('unauthenticated multibulk length');
      return false;
    }
    this.pos = cr + 2;
    if (n <= 0) return true;
    // Do not trust the count for preallocation: a hostile `*1000000000` must not allocate.
    this.args = [];
    this.argsLeft = n;
    this.bulkLen = -1;
    return true;
  }

  /** Reads `$len\r\n`; false when incomplete or invalid (then `error` is set). */
  private bulkHeader(): boolean {
    if (this.buf[this.pos] !== 36 /* '$' */) {
      this.fail(`expected '$', got '${String.fromCharCode(this.buf[this.pos] ?? 0)}'`);
      return false;
    }
    const cr = this.crFrom(this.pos);
    if (cr < 0) {
      if (this.buf.length - this.pos > INLINE_LENGTH_MAX_BYTES) this.fail('too big bulk count string');
      return false;
    }
    if (cr + 2 > this.buf.length) return false;
    const len = parseLength(this.buf, this.pos + 1, cr);
    if (len === null || len < 0 || len > this.limits.bulkLenMax) {
      this.fail('invalid bulk length');
      return false;
    }
    if (!this.authenticated && len > UNAUTH_BULK_LEN_MAX_BYTES) {
      this.fail('unauthenticated bulk length');
      return false;
    }
    this.pos = cr + 2;
    this.bulkLen = len;
    return true;
  }

  private multibulkBody(): string[] | null {
    const args = this.args as string[];
    while (this.argsLeft > 0) {
      if (this.bulkLen < 0) {
        if (this.pos >= this.buf.length) return null;
        if (!this.bulkHeader()) return null;
      }
      const end = this.pos + this.bulkLen;
      if (end + 2 > this.buf.length) {
        // Wait for the whole bulk before copying anything again.
        this.needBytes = this.bulkLen + 2;
        if (this.buf.length - this.pos >= this.needBytes) this.needBytes = 0;
        return null;
      }
      // The two bytes after the data are skipped unchecked, as Redis does.
      args.push(this.bulkLen <= SHORT_ARG_BYTES ? shortString(this.buf, this.pos, this.bulkLen) : this.buf.toString('latin1', this.pos, end));
      this.pos = end + 2;
      this.bulkLen = -1;
      this.argsLeft--;
    }
    this.args = null;
    return args;
  }
}

/** buf[at, at+n) as a one-byte string, for n ≤ SHORT_ARG_BYTES. */
function shortString(b: Buffer, at: number, n: number): string {
  switch (n) {
    case 0: return '';
    case 1: return fromCharCode(b[at] as number);
    case 2: return fromCharCode(b[at] as number, b[at + 1] as number);
    case 3: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number);
    case 4: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number);
    case 5: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number, b[at + 4] as number);
    case 6: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number, b[at + 4] as number,
      b[at + 5] as number);
    case 7: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number, b[at + 4] as number,
      b[at + 5] as number, b[at + 6] as number);
    default: return fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number, b[at + 4] as number,
      b[at + 5] as number, b[at + 6] as number, b[at + 7] as number);
  }
}

const INT64_DIGITS_MAX = 19;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Parses buf[from, to) as Redis's string2ll does: an optional '-', no '+', no leading zeros,
 * no "-0", within 64 bits; null when it is not such a number. Values past 2^53 come back
 * inexact, which only matters for their sign and size (they are refused or ignored).
 */
export function parseLength(buf: Buffer, from: number, to: number): number | null {
  const len = to - from;
  if (len <= 0 || len > INT64_DIGITS_MAX + 1) return null;
  if (len === 1 && buf[from] === 48 /* '0' */) return 0;
  let i = from;
  const neg = buf[i] === 45; /* '-' */
  if (neg) i++;
  const first = buf[i] ?? 0;
  if (i >= to || first < 49 || first > 57) return null; // 1-9: no leading zero, no "-0"
  let n = 0;
  for (; i < to; i++) {
    const c = (buf[i] ?? 0) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (n <= Number.MAX_SAFE_INTEGER) return neg ? -n : n;
  const big = BigInt(buf.toString('latin1', from, to));
  return big > INT64_MAX || big < INT64_MIN ? null : Number(big);
}
