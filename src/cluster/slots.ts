// Key → hash slot, as Redis Cluster computes it: CRC16 (XMODEM) of the key, or of the part
// inside the first non-empty {…} hash tag, modulo 16384.

export const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

/** CRC16-XMODEM of a one-byte string's chars in [from, to). */
export function crc16(s: string, from = 0, to = s.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >>> 8) ^ s.charCodeAt(i)) & 0xff] as number);
  return crc;
}

export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) % SLOTS;
  }
  return crc16(key) % SLOTS;
}
