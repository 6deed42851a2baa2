import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc16, keySlot } from './slots.ts';

test('CRC16 and key slots match Redis Cluster', () => {
  assert.equal(crc16('123456789'), 0x31c3); // the spec's test vector
  assert.equal(keySlot('foo'), 12182);
  assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
  assert.equal(keySlot('foo{}{bar}'), keySlot('foo{}{bar}')); // empty tag: whole key hashed
  assert.equal(keySlot('foo{}{bar}'), crc16('foo{}{bar}') % 16384);
  assert.equal(keySlot('{bar'), crc16('{bar') % 16384);
});
