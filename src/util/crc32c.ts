// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven with slicing-by-8.
// Used by the WAL and snapshot files to detect torn writes and corruption; it is the
// checksum of iSCSI, ext4 and LevelDB, with better error detection than CRC-32 (IEEE).

const polynomialReflected = 0x82f63b78;
const lanes = 8; // slicing-by-8: eight 256-entry tables, table t at [t * 256, t * 256 + 256)

/** All eight tables in one array: one bounds check shape for V8, and close together in cache. */
const T = new Int32Array(lanes * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomialReflected : c >>> 1;
  T[n] = c;
}
for (let t = 1; t < lanes; t++) {
  for (let n = 0; n < 256; n++) {
    const p = T[(t - 1) * 256 + n] as number;
    T[t * 256 + n] = (p >>> 8) ^ (T[p & 0xff] as number);
  }
}

// The word loop reads memory as little-endian 32-bit words; elsewhere bytes are used.
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Below this many bytes the word loop's view allocation costs more than it saves. */
const wordLoopBytesMin = 32;

/**
 * CRC32C of `data[start, end)`. Pass a previous result as `crc` to continue a running
 * checksum: crc32c(b, crc32c(a)) === crc32c(a ++ b).
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  let c = ~crc;
  let i = start;
  if (littleEndian && end - i >= wordLoopBytesMin) {
    // Bytes until the address is 4-aligned, so an Int32Array view can cover the middle.
    while (((data.byteOffset + i) & 3) !== 0) {
      c = (T[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
      i++;
    }
    const pairs = (end - i) >>> 3;
    c = wordLoop(new Int32Array(data.buffer, data.byteOffset + i, pairs * 2), c);
    i += pairs * 8;
  }
  while (i < end) {
    c = (T[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** Eight bytes per step, as two little-endian words. */
function wordLoop(w: Int32Array, crc: number): number {
  let c = crc;
  for (let k = 0; k < w.length; k += 2) {
    const lo = c ^ (w[k] as number);
    const hi = w[k + 1] as number;
    c = (T[1792 + (lo & 0xff)] as number) ^ (T[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (T[1280 + ((lo >>> 16) & 0xff)] as number) ^ (T[1024 + (lo >>> 24)] as number) ^
      (T[768 + (hi & 0xff)] as number) ^ (T[512 + ((hi >>> 8) & 0xff)] as number) ^
      (T[256 + ((hi >>> 16) & 0xff)] as number) ^ (T[hi >>> 24] as number);
  }
  return c;
}
