import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from './crc32c.ts';

// Bit-at-a-time reference: slow, obviously correct, used to cross-check the sliced tables.
function crc32cReference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

test('standard check value and RFC 3720 (iSCSI) vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // 32 bytes of zeros
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // 32 bytes of 0xff
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(crc32c(ascending), 0x46dd794e);
  const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  assert.equal(crc32c(descending), 0x113fdb5c);
});

test('matches the bitwise reference at every length 0..100', () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => (i * 131 + 7) & 0xff);
  for (let n = 0; n <= data.length; n++) {
    assert.equal(crc32c(data.subarray(0, n)), crc32cReference(data.subarray(0, n)), `length ${n}`);
  }
});

test('incremental: crc(b, crc(a)) equals crc(a ++ b), and start/end select a range', () => {
  const data = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
  const whole = crc32c(data);
  for (let split = 0; split <= data.length; split++) {
    assert.equal(crc32c(data.subarray(split), crc32c(data.subarray(0, split))), whole);
    assert.equal(crc32c(data, crc32c(data, 0, 0, split), split, data.length), whole);
  }
});

test('unaligned views and long inputs agree with the reference', () => {
  const backing = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
  for (const offset of [0, 1, 2, 3, 5, 8]) {
    for (const length of [31, 32, 33, 64, 1000, 4093]) {
      const view = backing.subarray(offset, offset + length);
      assert.equal(crc32c(view), crc32cReference(view), `offset ${offset} length ${length}`);
    }
  }
});
