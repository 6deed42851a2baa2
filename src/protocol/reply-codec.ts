// Reply values as bytes, so a reply computed on one node can be relayed by another exactly
// (every variant, number vs bigint, NaN and -0 included). Also home of ByteWriter/ByteReader,
// the bounds-checked varint buffer helpers the cluster bus codecs share. Layout: docs/cluster-bus.md.

import {
  BoolReply, DoubleReply, ErrorReply, MapReply, NULL_ARRAY, PushReply, SetReply, SimpleString, VerbatimReply,
  type Reply,
} from './reply.ts';
import { FloeError } from '../util/errors.ts';
import { assert } from '../util/assert.ts';

/** Deepest nesting of aggregates a decoded reply may have (real replies nest < 10 deep). */
export const REPLY_DEPTH_MAX = 128;
const WRITER_INITIAL_BYTES = 256;

/** Bytes of an unsigned LEB128 varint of a safe integer (1..8). */
export function varintBytes(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Appends to a Buffer that grows by doubling. Writers assert their inputs: bad values are programmer errors. */
export class ByteWriter {
  buf: Buffer;
  pos: number;

  /** Writes into `buf` from `pos` (it grows into a new Buffer when full). */
  constructor(buf: Buffer = Buffer.allocUnsafe(WRITER_INITIAL_BYTES), pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, WRITER_INITIAL_BYTES);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** An unsigned safe integer as LEB128: 7 bits per byte, low first, at most 8 bytes. */
  varint(v: number): void {
    assert(Number.isSafeInteger(v) && v >= 0, `varint out of range: ${v}`);
    // Exact, so that a writer over an exactly sized buffer never grows.
    if (this.pos + 8 > this.buf.length) this.ensure(varintBytes(v));
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7fffffff) {
      buf[pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    while (v >= 128) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Length-prefixed bytes. */
  bytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** Length-prefixed one-byte string (each char one byte; Floe's binary-safe strings). */
  latin1(s: string): void {
    this.varint(s.length);
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1');
  }

  /** Length-prefixed UTF-8 text (any JS string; for text that is not binary-safe by contract). */
  utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** The bytes written so far (a view; the writer must not be reused while it is in use). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Reads untrusted bytes. Every read is bounds-checked and every failure is a FloeError
 * FLOE_ERR_PEER; returned byte arrays are views of the input (no copy).
 */
export class ByteReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(what: string): never {
    throw new FloeError('FLOE_ERR_PEER', `malformed bus data at byte ${this.pos}: ${what}`);
  }

  need(n: number): void {
    if (n > this.end - this.pos) this.fail(`needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('truncated');
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let b = this.u8();
    if (b < 128) return b;
    let v = b & 127;
    let mul = 128;
    for (let i = 1; i < 8; i++) {
      b = this.u8();
      v += (b & 127) * mul;
      if (b < 128) {
        if (v > Number.MAX_SAFE_INTEGER) this.fail('varint above 2^53');
        return v;
      }
      mul *= 128;
    }
    return this.fail('varint longer than 8 bytes');
  }

  /** A count of items that each take at least one byte: never more than the bytes left. */
  count(): number {
    const n = this.varint();
    if (n > this.end - this.pos) this.fail(`count ${n} exceeds the ${this.end - this.pos} bytes left`);
    return n;
  }

  raw(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Buffer {
    return this.raw(this.varint());
  }

  latin1(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  utf8(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Asserts the input is fully consumed (trailing bytes mean a framing bug or garbage). */
  done(): void {
    if (this.pos !== this.end) this.fail(`${this.end - this.pos} trailing bytes`);
  }
}

// One tag byte per value; see docs/cluster-bus.md for the table.
const T_NULL = 0;
const T_NULL_ARRAY = 1;
const T_BULK = 2; // latin1
const T_INT = 3; // a non-negative safe-integer number, varint
const T_NUMBER = 4; // any other number (-0, non-integers, beyond 2^53), f64
const T_BIGINT = 5; // decimal text
const T_ARRAY = 6;
const T_SIMPLE = 7; // utf8
const T_ERROR = 8; // utf8
const T_DOUBLE = 9; // f64
const T_MAP = 10;
const T_SET = 11;
const T_FALSE = 12;
const T_TRUE = 13;
const T_VERBATIM = 14; // utf8
const T_PUSH = 15;
const T_NEG_INT = 16; // a negative safe-integer number, varint of its magnitude

function writeNumber(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    w.u8(v >= 0 ? T_INT : T_NEG_INT);
    w.varint(v >= 0 ? v : -v);
  } else {
    w.u8(T_NUMBER);
    w.f64(v);
  }
}

function writeItems(w: ByteWriter, tag: number, items: readonly Reply[], depth: number): void {
  w.u8(tag);
  w.varint(items.length);
  for (const item of items) writeReply(w, item, depth + 1);
}

/** Appends one reply to `w`. */
export function writeReply(w: ByteWriter, r: Reply, depth = 0): void {
  assert(depth < REPLY_DEPTH_MAX, 'reply nested deeper than REPLY_DEPTH_MAX');
  if (typeof r === 'string') {
    w.u8(T_BULK);
    w.latin1(r);
  } else if (typeof r === 'number') writeNumber(w, r);
  else if (typeof r === 'bigint') {
    w.u8(T_BIGINT);
    w.latin1(r.toString());
  } else if (r === null) w.u8(T_NULL);
  else if (r === NULL_ARRAY) w.u8(T_NULL_ARRAY);
  else if (Array.isArray(r)) writeItems(w, T_ARRAY, r, depth);
  else if (r instanceof SimpleString) {
    w.u8(T_SIMPLE);
    w.utf8(r.s);
  } else if (r instanceof ErrorReply) {
    w.u8(T_ERROR);
    w.utf8(r.message);
  } else if (r instanceof DoubleReply) {
    w.u8(T_DOUBLE);
    w.f64(r.v);
  } else if (r instanceof MapReply) writeItems(w, T_MAP, r.entries, depth);
  else if (r instanceof SetReply) writeItems(w, T_SET, r.items, depth);
  else if (r instanceof BoolReply) w.u8(r.v ? T_TRUE : T_FALSE);
  else if (r instanceof VerbatimReply) {
    w.u8(T_VERBATIM);
    w.utf8(r.text);
  } else writeItems(w, T_PUSH, r.items, depth);
}

function readItems(rd: ByteReader, depth: number): Reply[] {
  if (depth >= REPLY_DEPTH_MAX) rd.fail('reply nested too deep');
  const n = rd.count();
  const items: Reply[] = [];
  for (let i = 0; i < n; i++) items.push(readReply(rd, depth + 1));
  return items;
}

const BIGINT_RE = /^-?[0-9]+$/;

/** Reads one reply; FloeError FLOE_ERR_PEER on malformed input. */
export function readReply(rd: ByteReader, depth = 0): Reply {
  const tag = rd.u8();
  switch (tag) {
    case T_NULL: return null;
    case T_NULL_ARRAY: return NULL_ARRAY;
    case T_BULK: return rd.latin1();
    case T_INT: return rd.varint();
    case T_NEG_INT: return -rd.varint();
    case T_NUMBER: return rd.f64();
    case T_BIGINT: {
      const text = rd.latin1();
      if (!BIGINT_RE.test(text)) rd.fail('bad bigint');
      return BigInt(text);
    }
    case T_ARRAY: return readItems(rd, depth);
    case T_SIMPLE: return new SimpleString(rd.utf8());
    case T_ERROR: return new ErrorReply(rd.utf8());
    case T_DOUBLE: return new DoubleReply(rd.f64());
    case T_MAP: return new MapReply(readItems(rd, depth));
    case T_SET: return new SetReply(readItems(rd, depth));
    case T_FALSE: return new BoolReply(false);
    case T_TRUE: return new BoolReply(true);
    case T_VERBATIM: return new VerbatimReply(rd.utf8());
    case T_PUSH: return new PushReply(readItems(rd, depth));
    default: return rd.fail(`unknown reply tag ${tag}`);
  }
}

export function encodeReply(r: Reply): Uint8Array {
  const w = new ByteWriter();
  writeReply(w, r);
  return w.finish();
}

/** Decodes exactly one reply filling `bytes`; FloeError FLOE_ERR_PEER otherwise. */
export function decodeReply(bytes: Uint8Array): Reply {
  const rd = new ByteReader(bytes);
  const r = readReply(rd);
  rd.done();
  return r;
}
