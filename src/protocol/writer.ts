// Encodes replies into one growing output buffer per connection. Replies to a pipelined batch
// accumulate here and leave in one socket write; the buffer is reused between batches so the
// steady state allocates nothing.

import {
  BoolReply, DoubleReply, ErrorReply, MapReply, NULL_ARRAY, SetReply, SimpleString, VerbatimReply,
  type Reply,
} from './reply.ts';

const INITIAL_BYTES = 16 * 1024; // 16 KiB; grows by doubling while a batch needs more
const SHRINK_ABOVE_BYTES = 1024 * 1024; // 1 MiB; a buffer grown past this is dropped after use
const COPY_OUT_MAX_BYTES = 64 * 1024; // 64 KiB; larger outputs are handed over without a copy
const SHORT_STRING_BYTES = 64; // bulk strings up to this long are copied char by char

// Doubles are written as Redis 7.2's d2string writes them: integral values within ±2^62 as
// integers, everything else as fpconv_dtoa does (the shortest digits that read back to the same
// double, which is also what JavaScript's number formatting picks), laid out by its rules:
// plain when at most 7 zeros follow the digits or the point sits close enough, else d.ddde±x.
const INTEGER_FORM_MAX = 2 ** 62; // (double)(LLONG_MAX / 2)
const TRAILING_ZEROS_MAX = 7;

/** Redis's textual form of a double: inf, -inf, nan, -0, integers without a fraction. */
export function formatDouble(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isNaN(v)) return 'nan';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isInteger(v) && Math.abs(v) <= INTEGER_FORM_MAX) return v.toFixed(0);
  // toExponential() without an argument gives the shortest round-trip digits: "d.ddde±x".
  const sci = Math.abs(v).toExponential();
  const e = sci.indexOf('e');
  const digits = sci[1] === '.' ? (sci[0] as string) + sci.slice(2, e) : sci.slice(0, e);
  const exp10 = Number(sci.slice(e + 1)); // position of the first digit
  const n = digits.length;
  const k = exp10 - n + 1; // the value is digits × 10^k
  const sign = v < 0 ? '-' : '';
  const mag = Math.abs(exp10);
  if (k >= 0 && mag < n + TRAILING_ZEROS_MAX) return sign + digits + '0'.repeat(k);
  if (k < 0 && (k > -TRAILING_ZEROS_MAX || mag < 4)) {
    const intDigits = n + k;
    if (intDigits <= 0) return `${sign}0.${'0'.repeat(-intDigits)}${digits}`;
    return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
  }
  const mantissa = n > 1 ? `${digits[0] as string}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exp10 < 0 ? '-' : '+'}${mag}`;
}

export class ReplyWriter {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private len = 0;
  /** Protocol version of the connection: 2 or 3. */
  proto: 2 | 3 = 2;

  get length(): number {
    return this.len;
  }

  /** Takes the encoded bytes and resets the writer. */
  take(): Buffer {
    let out: Buffer;
    if (this.len <= COPY_OUT_MAX_BYTES) {
      // The socket keeps what it is given until the write completes, so small outputs leave
      // as a copy (from Node's buffer pool, cheap) and the working buffer is reused.
      out = Buffer.allocUnsafe(this.len);
      this.buf.copy(out, 0, 0, this.len);
    } else {
      out = this.buf.subarray(0, this.len);
      this.buf = Buffer.allocUnsafe(this.buf.length > SHRINK_ABOVE_BYTES ? INITIAL_BYTES : this.buf.length);
    }
    this.len = 0;
    return out;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  private line(prefix: string, s: string): void {
    this.ensure(s.length + 3);
    this.len += this.buf.write(prefix, this.len, 'latin1');
    this.len += this.buf.write(s, this.len, 'latin1');
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  bulk(s: string): void {
    const n = s.length;
    this.ensure(n + 24);
    const buf = this.buf;
    let at = this.len;
    buf[at++] = 36; // '$'
    at = this.digits(n, at);
    buf[at++] = 13;
    buf[at++] = 10;
    if (n <= SHORT_STRING_BYTES) {
      // A call into Buffer.write costs more than copying a short string char by char.
      for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
      at += n;
    } else {
      at += buf.write(s, at, 'latin1');
    }
    buf[at++] = 13;
    buf[at++] = 10;
    this.len = at;
  }

  /** Writes a non-negative integer's decimal digits at `at`; returns the new end. */
  private digits(n: number, at: number): number {
    if (n < 10) {
      this.buf[at] = 48 + n;
      return at + 1;
    }
    return at + this.buf.write(String(n), at, 'latin1');
  }

  integer(n: number | bigint): void {
    this.line(':', String(n));
  }

  nil(): void {
    this.ascii(this.proto === 3 ? '_\r\n' : '$-1\r\n');
  }

  arrayHeader(n: number): void {
    this.line('*', String(n));
  }

  write(r: Reply): void {
    if (typeof r === 'string') return this.bulk(r);
    if (typeof r === 'number' || typeof r === 'bigint') return this.integer(r);
    if (r === null) return this.nil();
    if (Array.isArray(r)) {
      this.arrayHeader(r.length);
      for (const item of r) this.write(item);
      return;
    }
    this.writeTyped(r);
  }

  private writeTyped(r: Exclude<Reply, string | number | bigint | null | Reply[]>): void {
    if (r === NULL_ARRAY) return this.ascii(this.proto === 3 ? '_\r\n' : '*-1\r\n');
    if (r instanceof SimpleString) return this.line('+', r.s);
    if (r instanceof ErrorReply) return this.line('-', r.message.replace(/[\r\n]+/g, ' '));
    if (r instanceof DoubleReply) {
      return this.proto === 3 ? this.line(',', formatDouble(r.v)) : this.bulk(formatDouble(r.v));
    }
    if (r instanceof BoolReply) return this.proto === 3 ? this.line('#', r.v ? 't' : 'f') : this.integer(r.v ? 1 : 0);
    if (r instanceof VerbatimReply) {
      if (this.proto === 2) return this.bulk(r.text);
      return this.lengthPrefixed('=', 'txt:' + r.text);
    }
    const items = r instanceof MapReply ? r.entries : r.items;
    if (this.proto === 3) {
      const prefix = r instanceof MapReply ? '%' : r instanceof SetReply ? '~' : '>';
      this.line(prefix, String(r instanceof MapReply ? items.length / 2 : items.length));
    } else {
      this.arrayHeader(items.length);
    }
    for (const item of items) this.write(item);
  }

  private lengthPrefixed(prefix: string, s: string): void {
    this.line(prefix, String(s.length));
    this.ensure(s.length + 2);
    this.len += this.buf.write(s, this.len, 'latin1');
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }
}
