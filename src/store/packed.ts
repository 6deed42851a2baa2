// The compact encoding of small hashes, sets and sorted sets (Floe's "listpack"): a run of
// elements in one flat one-byte string, each a length header and its bytes. One string per
// collection instead of a Map and a string per element keeps a million small hashes cheap;
// every operation is a linear walk, which is fast while the collection stays small.
//
// Header: a length below 0xfe is one char; otherwise 0xfe and four chars, big-endian.

const LONG_HEADER = 0xfe;
const SCRATCH_BYTES_INITIAL = 4096;

/** Length of the element whose header starts at pos. */
export function lengthAt(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  if (c < LONG_HEADER) return c;
  return s.charCodeAt(pos + 1) * 0x1000000 + (s.charCodeAt(pos + 2) << 16) + (s.charCodeAt(pos + 3) << 8) + s.charCodeAt(pos + 4);
}

/** Where the bytes of the element at pos start. */
export function dataAt(s: string, pos: number): number {
  return pos + (s.charCodeAt(pos) < LONG_HEADER ? 1 : 5);
}

/** Position of the element after the one at pos. */
export function nextAt(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  return c < LONG_HEADER ? pos + 1 + c : pos + 5 + lengthAt(s, pos);
}

/** The element at pos as a string. */
export function elementAt(s: string, pos: number): string {
  const start = dataAt(s, pos);
  return s.slice(start, start + lengthAt(s, pos));
}

/** Whether the element at pos equals x. */
export function equalsAt(s: string, pos: number, x: string): boolean {
  return lengthAt(s, pos) === x.length && s.startsWith(x, dataAt(s, pos));
}

/** Bytes x takes inside a packed string. */
export function encodedBytes(x: string): number {
  return x.length + (x.length < LONG_HEADER ? 1 : 5);
}

/**
 * Position of the first element equal to x among elements 0, stride, 2*stride…, or -1.
 * Hashes search fields with stride 2, sets members with stride 1.
 */
export function find(s: string, x: string, stride: number): number {
  let pos = 0;
  while (pos < s.length) {
    if (equalsAt(s, pos, x)) return pos;
    pos = nextAt(s, pos);
    for (let i = 1; i < stride; i++) pos = nextAt(s, pos);
  }
  return -1;
}

/** Every element, in order. */
export function decode(s: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < s.length) {
    out.push(elementAt(s, pos));
    pos = nextAt(s, pos);
  }
  return out;
}

// Scores of packed sorted sets are 8-byte IEEE doubles stored as 8 chars.
const scoreView = new DataView(new ArrayBuffer(8));

/** The double stored as the 8-char element at pos. */
export function scoreAt(s: string, pos: number): number {
  const d = pos + 1;
  for (let i = 0; i < 8; i++) scoreView.setUint8(i, s.charCodeAt(d + i));
  return scoreView.getFloat64(0, true);
}

/**
 * Builds packed strings in a scratch buffer that grows as needed and is reused. The result is
 * copied out as a flat string (concatenation would leave a rope of small strings behind).
 * Not reentrant: finish one string before starting the next.
 */
export class PackedBuilder {
  private buf = Buffer.allocUnsafe(SCRATCH_BYTES_INITIAL);
  private len = 0;

  begin(): this {
    this.len = 0;
    return this;
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

  /** Appends one element. */
  add(x: string): this {
    const n = x.length;
    this.ensure(n + 5);
    if (n < LONG_HEADER) this.buf[this.len++] = n;
    else {
      this.buf[this.len++] = LONG_HEADER;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    }
    if (n > 0) this.len += this.buf.write(x, this.len, 'latin1');
    return this;
  }

  /** Appends a score element (8 bytes). */
  addScore(v: number): this {
    this.ensure(9);
    this.buf[this.len++] = 8;
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
    return this;
  }

  /** Appends already-encoded elements: s[from, to). */
  addRaw(s: string, from: number, to: number): this {
    if (to <= from) return this;
    this.ensure(to - from);
    this.len += this.buf.write(from === 0 && to === s.length ? s : s.slice(from, to), this.len, 'latin1');
    return this;
  }

  finish(): string {
    const out = this.buf.toString('latin1', 0, this.len);
    // Drop a scratch buffer grown for one large value rather than keep it forever.
    if (this.buf.length > 64 * SCRATCH_BYTES_INITIAL) this.buf = Buffer.allocUnsafe(SCRATCH_BYTES_INITIAL);
    return out;
  }
}

/** The builder the store shares (one event loop, one build at a time). */
export const packer = new PackedBuilder();

/** Packs a list of elements. */
export function encode(items: readonly string[]): string {
  packer.begin();
  for (const x of items) packer.add(x);
  return packer.finish();
}
